using System.Text;

namespace ActorGrad.Engine.Cluster;

/// <summary>How a member listens, whom it joins, and the clocks of its failure detection.</summary>
public sealed record ClusterSettings
{
    /// <summary>The actor system's name; part of every actor path on this member.</summary>
    public string SystemName { get; init; } = "actorgrad";
    /// <summary>Members of different clusters refuse each other at the handshake.</summary>
    public string ClusterName { get; init; } = "actorgrad";
    /// <summary>The shared secret of the HMAC handshake; it never travels.</summary>
    public byte[] Secret { get; init; } = [];
    /// <summary>The address this member binds and announces; other members dial it.</summary>
    public string Host { get; init; } = "127.0.0.1";
    /// <summary>0 binds a free port (the member's address then carries the port it got).</summary>
    public int Port { get; init; }
    /// <summary>Members to join through, as host:port. None, or this member first, forms a new cluster.</summary>
    public IReadOnlyList<string> Seeds { get; init; } = [];
    public IReadOnlyList<string> Roles { get; init; } = [];

    /// <summary>A larger frame closes its connection with a logged reason.</summary>
    public int MaxFrameBytes { get; init; } = Protocol.Wire.WireProtocol.DefaultMaxFrameBytes;
    /// <summary>The writer flushes when its queue is empty or this many bytes are buffered.</summary>
    public int FlushThresholdBytes { get; init; } = 64 * 1024;
    /// <summary>Bytes queued to one peer before senders wait (back-pressure).</summary>
    public long MaxQueuedBytesPerPeer { get; init; } = 256L * 1024 * 1024;
    /// <summary>How long a sender waits for queue room before its message goes to dead letters.</summary>
    public TimeSpan SendBackPressureTimeout { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Akka.Cluster's defaults: a heartbeat a second, phi 8, 3 s acceptable pause.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(1);
    public double PhiThreshold { get; init; } = 8.0;
    public TimeSpan AcceptableHeartbeatPause { get; init; } = TimeSpan.FromSeconds(3);
    public TimeSpan MinHeartbeatStdDeviation { get; init; } = TimeSpan.FromMilliseconds(100);
    /// <summary>How often members exchange their view of the cluster and retry joins.</summary>
    public TimeSpan GossipInterval { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>An unreachable member is marked Down after this long.</summary>
    public TimeSpan DownUnreachableAfter { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>A Down member is Removed (its uid quarantined) after this long.</summary>
    public TimeSpan RemoveDownAfter { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Optional TLS: a PFX, or a PEM certificate with its key in <see cref="TlsKeyFile"/>.</summary>
    public string? TlsCertificateFile { get; init; }
    public string? TlsKeyFile { get; init; }
    public string? TlsCertificatePassword { get; init; }

    /// <summary>Serializers for application messages beyond the built-in ones.</summary>
    public IReadOnlyList<IMessageSerializer> Serializers { get; init; } = [];

    /// <summary>A cluster secret from a file: its bytes, with surrounding whitespace trimmed if it is text.</summary>
    public static byte[] ReadSecretFile(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"The cluster secret file '{path}' does not exist.", path);
        var bytes = File.ReadAllBytes(path);
        var text = Encoding.UTF8.GetString(bytes);
        var trimmed = Encoding.UTF8.GetBytes(text.Trim());
        var secret = Encoding.UTF8.GetString(trimmed) == text.Trim() && trimmed.Length > 0 ? trimmed : bytes;
        if (secret.Length == 0) throw new ArgumentException($"The cluster secret file '{path}' is empty.");
        return secret;
    }

    internal void Validate()
    {
        if (Secret.Length == 0) throw new ArgumentException("ClusterSettings: a cluster secret is required (Secret, or --secret-file for the node command).");
        if (string.IsNullOrWhiteSpace(ClusterName)) throw new ArgumentException("ClusterSettings: ClusterName is empty.");
        if (Port is < 0 or > 65535) throw new ArgumentException($"ClusterSettings: port {Port} is out of range.");
        if (HeartbeatInterval <= TimeSpan.Zero || GossipInterval <= TimeSpan.Zero)
            throw new ArgumentException("ClusterSettings: heartbeat and gossip intervals must be positive.");
        if (MaxFrameBytes < 1024) throw new ArgumentException($"ClusterSettings: MaxFrameBytes {MaxFrameBytes} is too small (at least 1024).");
        foreach (var seed in Seeds) ParseHostPort(seed);
        if (TlsKeyFile is not null && TlsCertificateFile is null)
            throw new ArgumentException("ClusterSettings: TlsKeyFile is set without TlsCertificateFile.");
    }

    /// <summary>Parses "host:port", with a clear error for anything else.</summary>
    public static (string Host, int Port) ParseHostPort(string text)
    {
        var colon = text?.LastIndexOf(':') ?? -1;
        if (colon <= 0 || !int.TryParse(text![(colon + 1)..], out var port) || port is <= 0 or > 65535)
            throw new FormatException($"'{text}' is not host:port (for example 127.0.0.1:4051).");
        return (text[..colon], port);
    }
}
