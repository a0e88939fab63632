using System.Text.RegularExpressions;
using ActorGrad.Cluster.Management;
using ActorGrad.Cluster.Security;

namespace ActorGrad.Cluster;

/// <summary>
/// What an operator configures for one cluster member: where it listens, whom it joins, its roles,
/// its TLS files and its clocks. Bindable from configuration (section "Node": appsettings.json,
/// ACTORGRAD_Node__Port=..., the command line). <see cref="Validate"/> turns it into settings or
/// says, in one line, what is wrong.
/// </summary>
public sealed partial class ClusterMemberOptions
{
    public const string Section = "Node";

    /// <summary>Address to listen on and to be reached at.</summary>
    public string Host { get; set; } = "127.0.0.1";
    /// <summary>TCP port; 0 picks a free one.</summary>
    public int Port { get; set; } = 4051;
    /// <summary>IP address or DNS name the others reach this member at, when it differs from <see cref="Host"/> (NAT, containers, pods).</summary>
    public string? PublicHost { get; set; }
    /// <summary>HOST:PORT of seed members; none: this member forms a new cluster.</summary>
    public List<string> Seeds { get; set; } = [];
    public List<string> Roles { get; set; } = [];
    /// <summary>Actor system name; every member of one cluster has the same.</summary>
    public string SystemName { get; set; } = "actorgrad";

    /// <summary>This member's certificate: PEM (with <see cref="TlsKeyFile"/>) or PKCS#12 (.pfx/.p12).</summary>
    public string? TlsCertificateFile { get; set; }
    public string? TlsKeyFile { get; set; }
    public string? TlsCertificatePassword { get; set; }
    /// <summary>The cluster CA (ca.pem): the only root a member's peers are checked against.</summary>
    public string? TlsCaFile { get; set; }
    /// <summary>Plain TCP on a non-loopback address: traffic is neither encrypted nor authenticated.</summary>
    public bool Insecure { get; set; }
    /// <summary>
    /// Tensors to members on this host through shared memory (the tensor lane's rings, TensorLaneSettings.SharedMemory);
    /// false keeps them on the socket. Node:SharedMemoryLane.
    /// </summary>
    public bool SharedMemoryLane { get; set; } = true;

    /// <summary>How this member finds the others: seeds (default), config or kubernetes (Akka.Management's Cluster Bootstrap).</summary>
    public string Discovery { get; set; } = "seeds";
    /// <summary>Cluster Bootstrap: the service whose contact points it looks up (Kubernetes: the pods' app label).</summary>
    public string ServiceName { get; set; } = "actorgrad";
    /// <summary>Cluster Bootstrap: the port of Akka.Management's HTTP endpoint, where the members probe each other (default 8558).</summary>
    public int BootstrapPort { get; set; } = 8558;
    /// <summary>Config discovery: HOST:BOOTSTRAP_PORT of the contact points.</summary>
    public List<string> ContactPoints { get; set; } = [];
    /// <summary>Cluster Bootstrap: contact points that must be seen before a new cluster forms (Akka.Management: 2).</summary>
    public int RequiredContactPoints { get; set; } = 2;
    /// <summary>Kubernetes discovery: label selector of the member pods ({0} is the service name).</summary>
    public string PodLabelSelector { get; set; } = "app={0}";

    /// <summary>Cluster failure detector: heartbeat period (Akka: 1 s).</summary>
    public TimeSpan? HeartbeatInterval { get; set; }
    /// <summary>Cluster failure detector: silence tolerated before a member is Unreachable (Akka: 3 s).</summary>
    public TimeSpan? AcceptableHeartbeatPause { get; set; }
    /// <summary>Split brain resolver: how long membership must be stable before it downs (Akka: 20 s).</summary>
    public TimeSpan? StableAfter { get; set; }
    public TimeSpan? GossipInterval { get; set; }
    public TimeSpan? LeaderActionsInterval { get; set; }
    public TimeSpan? UnreachableNodesReaperInterval { get; set; }
    /// <summary>Largest Akka.Remote frame (Akka: 128,000 bytes); tensors travel beside Akka.Remote.</summary>
    public long? MaximumFrameSize { get; set; }
    /// <summary>
    /// Threads one shard pass spreads its kernels over; null: every core .NET sees (in a container, its CPU limit). Give a
    /// member its share when several share a host: a product split over two threads waits for its slower half, and that
    /// half waits whenever another member's thread holds the core. The gradient's bits do not depend on it.
    /// </summary>
    public int? ComputeThreads { get; set; }

    /// <summary>The settings these options describe; every problem is an ArgumentException, FormatException or FileNotFoundException with a one-line message.</summary>
    public ClusterMemberSettings Validate()
    {
        if (string.IsNullOrWhiteSpace(Host)) throw new ArgumentException("The host is empty: pass --host ADDRESS (Node:Host).");
        if (HostPort.ProblemWith(Host) is { } hostProblem) throw new ArgumentException($"--host (Node:Host): {hostProblem}.");
        if (!string.IsNullOrWhiteSpace(PublicHost))
        {
            if (HostPort.ProblemWith(PublicHost) is { } publicProblem) throw new ArgumentException($"--public-host (Node:PublicHost): {publicProblem}.");
            // The others would send to an address that means "this machine" to each of them.
            if (HostPort.IsUnspecified(PublicHost))
                throw new ArgumentException($"--public-host {PublicHost} is an address to listen on, not one to be reached at: pass this member's IP address or DNS name.");
        }
        if (Port is < 0 or > 65535) throw new ArgumentException($"The port {Port} is outside 0..65535.");
        if (!SystemNamePattern().IsMatch(SystemName))
            throw new ArgumentException($"'{SystemName}' is not a valid actor system name (letters, digits, '-' and '_', starting with a letter or digit).");
        // A list bound from configuration may carry empty entries (an unset --seed): they are not seeds.
        var seeds = Seeds.Where(s => !string.IsNullOrWhiteSpace(s)).Select(s => HostPort.Parse(s.Trim())).ToList();
        var roles = Roles.Where(r => !string.IsNullOrWhiteSpace(r)).Select(r => r.Trim()).ToList();
        foreach (var (name, value) in Timings())
            if (value is { } t && t <= TimeSpan.Zero) throw new ArgumentException($"{name} must be positive, not {t}.");
        if (ComputeThreads is < 1 or > 1024) throw new ArgumentException($"--compute-threads (Node:ComputeThreads) must be 1..1024, not {ComputeThreads}.");
        if (MaximumFrameSize is < 32_000) throw new ArgumentException($"MaximumFrameSize must be at least 32000 bytes, not {MaximumFrameSize}.");

        var bootstrap = BootstrapOf(seeds);
        var tls = LoadTls();
        var security = tls is not null ? TransportSecurity.MutualTls
            : Insecure ? TransportSecurity.InsecurePlainTcp
            : AllLoopback(seeds) ? TransportSecurity.LoopbackPlainTcp
            : throw new ArgumentException(
                $"Plain TCP is only allowed when every address is loopback ({string.Join(", ", NonLoopback(seeds))} is not): " +
                "pass --tls-cert, --tls-key and --tls-ca (see `actorgrad certs`), or --insecure to accept an unencrypted, unauthenticated cluster.");

        return new ClusterMemberSettings
        {
            SystemName = SystemName,
            Host = Host,
            Port = Port,
            PublicHost = string.IsNullOrWhiteSpace(PublicHost) ? null : PublicHost,
            Seeds = seeds,
            Roles = roles,
            Security = security,
            Tls = tls,
            SharedMemoryLane = SharedMemoryLane,
            HeartbeatInterval = HeartbeatInterval,
            AcceptableHeartbeatPause = AcceptableHeartbeatPause,
            StableAfter = StableAfter,
            GossipInterval = GossipInterval,
            LeaderActionsInterval = LeaderActionsInterval,
            UnreachableNodesReaperInterval = UnreachableNodesReaperInterval,
            MaximumFrameSize = MaximumFrameSize,
            ComputeThreads = ComputeThreads,
            Bootstrap = bootstrap,
        };
    }

    private BootstrapSettings? BootstrapOf(IReadOnlyList<HostPort> seeds)
    {
        var discovery = Discovery?.Trim().ToLowerInvariant() switch
        {
            null or "" or "seeds" => ClusterDiscovery.Seeds,
            "config" => ClusterDiscovery.Config,
            "kubernetes" => ClusterDiscovery.Kubernetes,
            _ => throw new ArgumentException($"--discovery must be seeds, config or kubernetes, not '{Discovery}'."),
        };
        if (discovery == ClusterDiscovery.Seeds) return null;
        if (seeds.Count > 0) throw new ArgumentException($"--seed and --discovery {Discovery} exclude each other: Cluster Bootstrap finds the members.");
        if (BootstrapPort is < 1 or > 65535)
            throw new ArgumentException($"--bootstrap-port must be 1..65535 (the other members' bootstrap probes it), not {BootstrapPort}.");
        if (RequiredContactPoints < 1) throw new ArgumentException($"RequiredContactPoints must be at least 1, not {RequiredContactPoints}.");
        if (string.IsNullOrWhiteSpace(ServiceName)) throw new ArgumentException("Cluster Bootstrap needs a service name (Node:ServiceName).");
        var contactPoints = ContactPoints.Where(c => !string.IsNullOrWhiteSpace(c)).Select(c => HostPort.Parse(c.Trim())).ToList();
        if (discovery == ClusterDiscovery.Config && contactPoints.Count == 0)
            throw new ArgumentException("--discovery config needs the contact points: pass --contact-point HOST:BOOTSTRAP_PORT for each member (Node:ContactPoints).");
        return new BootstrapSettings
        {
            Port = BootstrapPort,
            BindHost = Host,
            PublicHost = string.IsNullOrWhiteSpace(PublicHost) ? Host : PublicHost,
            Discovery = discovery,
            ServiceName = ServiceName.Trim(),
            ContactPoints = contactPoints,
            RequiredContactPoints = RequiredContactPoints,
            PodLabelSelector = PodLabelSelector,
        };
    }

    private ClusterTls? LoadTls()
    {
        var anyTls = TlsCertificateFile is not null || TlsKeyFile is not null || TlsCaFile is not null;
        if (!anyTls) return null;
        if (Insecure) throw new ArgumentException("--insecure and TLS files exclude each other: choose one.");
        if (TlsCertificateFile is null) throw new ArgumentException("TLS needs this member's certificate: pass --tls-cert FILE (Node:TlsCertificateFile).");
        if (TlsCaFile is null) throw new ArgumentException("TLS needs the cluster CA to check peers against: pass --tls-ca FILE (Node:TlsCaFile).");
        var ca = ClusterCertificates.LoadCa(TlsCaFile);
        var certificate = ClusterCertificates.LoadMember(TlsCertificateFile, TlsKeyFile, TlsCertificatePassword);
        var validator = new ClusterCaValidator(ca);
        // A member whose own certificate the CA did not sign would be refused by every peer: say so now.
        if (validator.Check(certificate) is { } problem)
            throw new ArgumentException($"This member's certificate '{TlsCertificateFile}' {problem}.");
        return new ClusterTls(certificate, validator);
    }

    private bool AllLoopback(IEnumerable<HostPort> seeds) => !NonLoopback(seeds).Any();

    private IEnumerable<string> NonLoopback(IEnumerable<HostPort> seeds) =>
        new[] { Host, PublicHost }.OfType<string>().Where(h => !string.IsNullOrWhiteSpace(h))
            .Concat(seeds.Select(s => s.Host)).Where(h => !HostPort.IsLoopback(h)).Distinct();

    private IEnumerable<(string, TimeSpan?)> Timings() =>
    [
        (nameof(HeartbeatInterval), HeartbeatInterval), (nameof(AcceptableHeartbeatPause), AcceptableHeartbeatPause),
        (nameof(StableAfter), StableAfter), (nameof(GossipInterval), GossipInterval),
        (nameof(LeaderActionsInterval), LeaderActionsInterval), (nameof(UnreachableNodesReaperInterval), UnreachableNodesReaperInterval),
    ];

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_-]*$")]
    private static partial Regex SystemNamePattern();
}
