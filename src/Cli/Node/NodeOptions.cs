using ActorGrad.Engine.Cluster;

namespace ActorGrad.Cli.Node;

/// <summary>
/// The "Node" configuration section, bound from appsettings.json, then ACTORGRAD_-prefixed
/// environment variables (ACTORGRAD_Node__Port=4051), then the command line: later wins.
/// </summary>
public sealed class NodeOptions
{
    public const string Section = "Node";

    public string Host { get; set; } = "127.0.0.1";
    public int Port { get; set; } = 4051;
    public List<string> Seeds { get; set; } = [];
    public string? SecretFile { get; set; }
    public string SystemName { get; set; } = "actorgrad";
    public string ClusterName { get; set; } = "actorgrad";
    public List<string> Roles { get; set; } = [];
    public int? MaxFrameBytes { get; set; }
    public TimeSpan? HeartbeatInterval { get; set; }
    public TimeSpan? AcceptableHeartbeatPause { get; set; }
    public TimeSpan? DownUnreachableAfter { get; set; }
    public TimeSpan? GossipInterval { get; set; }
    public TimeSpan? RemoveDownAfter { get; set; }
    public string? TlsCertificateFile { get; set; }
    public string? TlsKeyFile { get; set; }

    /// <summary>The cluster settings these options describe; every problem is named in one ArgumentException.</summary>
    public ClusterSettings ToClusterSettings()
    {
        if (string.IsNullOrWhiteSpace(SecretFile))
            throw new ArgumentException("A cluster secret is required: pass --secret-file FILE (or set Node:SecretFile / ACTORGRAD_Node__SecretFile).");
        var defaults = new ClusterSettings();
        var settings = new ClusterSettings
        {
            SystemName = SystemName,
            ClusterName = ClusterName,
            Secret = ClusterSettings.ReadSecretFile(SecretFile),
            Host = Host,
            Port = Port,
            // A list bound from configuration may carry empty entries (an unset --seed); they are not seeds.
            Seeds = Seeds.Where(s => !string.IsNullOrWhiteSpace(s)).ToList(),
            Roles = Roles.Where(r => !string.IsNullOrWhiteSpace(r)).ToList(),
            MaxFrameBytes = MaxFrameBytes ?? defaults.MaxFrameBytes,
            HeartbeatInterval = HeartbeatInterval ?? defaults.HeartbeatInterval,
            AcceptableHeartbeatPause = AcceptableHeartbeatPause ?? defaults.AcceptableHeartbeatPause,
            DownUnreachableAfter = DownUnreachableAfter ?? defaults.DownUnreachableAfter,
            GossipInterval = GossipInterval ?? defaults.GossipInterval,
            RemoveDownAfter = RemoveDownAfter ?? defaults.RemoveDownAfter,
            TlsCertificateFile = TlsCertificateFile,
            TlsKeyFile = TlsKeyFile,
        };
        foreach (var seed in settings.Seeds) ClusterSettings.ParseHostPort(seed);
        return settings;
    }
}
