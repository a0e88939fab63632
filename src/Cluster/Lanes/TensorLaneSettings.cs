using System.Security.Cryptography.X509Certificates;
using ActorGrad.Protocol.Serialization;
using Akka.Actor.Setup;

namespace ActorGrad.Cluster.Lanes;

/// <summary>
/// How a member's tensor lane listens and connects. With <see cref="Certificate"/> and
/// <see cref="CertificateAuthority"/> set, both ends of every lane connection present a certificate that
/// must chain to the cluster CA (mutual TLS, the same certificates as Akka.Remote's TLS). Plaintext needs
/// <see cref="AllowPlaintext"/> and is only for loopback benchmarks and tests.
/// </summary>
public sealed record TensorLaneSettings
{
    /// <summary>The address the lane's server binds; null takes Akka.Remote's hostname, where peers reach this member.</summary>
    public string? Hostname { get; init; }

    /// <summary>The server's port; 0 lets the system pick one (peers ask for it, see <see cref="LaneEndpointActor"/>).</summary>
    public int Port { get; init; }

    /// <summary>This member's certificate, with its private key.</summary>
    public X509Certificate2? Certificate { get; init; }

    /// <summary>The cluster CA: a peer's certificate must chain to it and to nothing else.</summary>
    public X509Certificate2? CertificateAuthority { get; init; }

    /// <summary>Plain HTTP/2 without TLS; refused unless set explicitly.</summary>
    public bool AllowPlaintext { get; init; }

    /// <summary>
    /// Serialized bytes waiting for one peer before a send waits (back-pressure). A single message larger than
    /// this still goes, alone.
    /// </summary>
    public long MaxQueuedBytesPerPeer { get; init; } = 256L << 20;

    /// <summary>The largest message the lane carries either way; a larger one is refused at the sender.</summary>
    public int MaxMessageBytes { get; init; } = 1 << 30;

    /// <summary>
    /// Serializers (by Akka serializer id) whose FromBinary copies what it needs out of the bytes and keeps neither
    /// the array nor a slice of it, as a tensor serializer that decodes into pooled tensor storage does. Their
    /// payloads are read into arrays the receiving lane reuses (per connection, by length: a model's gradients have
    /// the same sizes every step) instead of a fresh array per message, which on a 1 MiB tensor costs as much as
    /// the socket. Listing a serializer that keeps its input corrupts messages: list only those that copy. By default
    /// ActorGrad's own serializer (<see cref="ActorGradSerializer"/>: every message of its table decodes into fresh
    /// strings, numbers and tensor arrays, GraphSpec constants included).
    /// </summary>
    public IReadOnlySet<int> CopyingSerializerIds { get; init; } = new HashSet<int> { ActorGradSerializer.Id };

    /// <summary>How long a connection attempt (TCP, TLS and the lane's preface exchange), and the port query over Akka.Remote, may take.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts to reach a peer before the queued messages go to dead letters (the lane keeps retrying on the next send).</summary>
    public int ConnectAttempts { get; init; } = 5;

    /// <summary>
    /// Payloads between two members on one host go through a shared-memory ring per connection instead of the socket
    /// (the connection still carries the frames, in order). On by default, because it is confined to what the socket
    /// path already trusts: both ends must report the same kernel boot id and the same uid over the (TLS-authenticated,
    /// when TLS is on) connection; the ring is a /dev/shm file of mode 0600 that the writer unlinks as soon as the reader
    /// has mapped it (so no other process can open it afterwards, and a kill -9 leaves nothing behind); the reader checks
    /// every frame's position and length against the ring before reading. Off: every payload goes over the socket.
    /// </summary>
    public bool SharedMemory { get; init; } = true;

    /// <summary>
    /// Data bytes of each connection's ring: memory in /dev/shm (tmpfs) allocated when the connection opens, one ring per
    /// connection from a member to a peer on its host (so members x (members - 1) rings on a host). A /dev/shm without
    /// room for it leaves that connection on the socket. A payload larger than the ring goes over the socket; one that
    /// fits waits while the reader is behind.
    /// </summary>
    public long SharedMemoryRingBytes { get; init; } = 16L << 20;

    /// <summary>Tests: the kernel and user this member claims to run as (another boot id forces the socket path).</summary>
    internal LaneHost? HostOverride { get; init; }

    internal bool UsesTls => Certificate is not null;

    internal void Validate()
    {
        if (Certificate is null != CertificateAuthority is null)
            throw new ArgumentException("TensorLaneSettings: Certificate and CertificateAuthority go together (mutual TLS needs both).");
        if (Certificate is null && !AllowPlaintext)
            throw new ArgumentException("TensorLaneSettings: no certificate given; set Certificate and CertificateAuthority, or AllowPlaintext for a loopback-only lane.");
        if (Certificate is { HasPrivateKey: false })
            throw new ArgumentException("TensorLaneSettings: the member certificate has no private key.");
        if (MaxQueuedBytesPerPeer <= 0) throw new ArgumentException("TensorLaneSettings: MaxQueuedBytesPerPeer must be positive.");
        if (MaxMessageBytes <= 0) throw new ArgumentException("TensorLaneSettings: MaxMessageBytes must be positive.");
        if (Port is < 0 or > 65535) throw new ArgumentException($"TensorLaneSettings: port {Port} is out of range.");
        if (SharedMemoryRingBytes is < 4096 or > 1L << 32)
            throw new ArgumentException($"TensorLaneSettings: SharedMemoryRingBytes is {SharedMemoryRingBytes}; it must be 4 KiB to 4 GiB.");
        if (ConnectAttempts < 1) throw new ArgumentException("TensorLaneSettings: ConnectAttempts must be at least 1.");
    }
}

/// <summary>Carries <see cref="TensorLaneSettings"/> into the actor system (ActorSystemSetup, or Akka.Hosting's AddSetup).</summary>
public sealed class TensorLaneSetup(TensorLaneSettings settings) : Setup
{
    public TensorLaneSettings Settings { get; } = settings;
}
