using System.Security.Cryptography.X509Certificates;
using ActorGrad.Cluster.Management;
using ActorGrad.Cluster.Security;

namespace ActorGrad.Cluster;

/// <summary>How members talk: mutual TLS against the cluster CA, or plain TCP (loopback only, or asked for).</summary>
public enum TransportSecurity { MutualTls, LoopbackPlainTcp, InsecurePlainTcp }

/// <summary>This member's certificate (with key) and the validator that trusts the cluster CA alone.</summary>
public sealed record ClusterTls(X509Certificate2 Certificate, ClusterCaValidator Validator);

/// <summary>Validated <see cref="ClusterMemberOptions"/>: what <see cref="ClusterMemberHosting"/> configures Akka with.</summary>
public sealed record ClusterMemberSettings
{
    public required string SystemName { get; init; }
    public required string Host { get; init; }
    public required int Port { get; init; }
    public string? PublicHost { get; init; }
    public IReadOnlyList<HostPort> Seeds { get; init; } = [];
    public IReadOnlyList<string> Roles { get; init; } = [];
    public required TransportSecurity Security { get; init; }
    public ClusterTls? Tls { get; init; }
    /// <summary>Tensors to members on this host through shared memory (<see cref="ClusterMemberOptions.SharedMemoryLane"/>).</summary>
    public bool SharedMemoryLane { get; init; } = true;
    public TimeSpan? HeartbeatInterval { get; init; }
    public TimeSpan? AcceptableHeartbeatPause { get; init; }
    public TimeSpan? StableAfter { get; init; }
    public TimeSpan? GossipInterval { get; init; }
    public TimeSpan? LeaderActionsInterval { get; init; }
    public TimeSpan? UnreachableNodesReaperInterval { get; init; }
    public long? MaximumFrameSize { get; init; }
    /// <summary>Threads one shard pass uses (<see cref="ClusterMemberOptions.ComputeThreads"/>); null: every core.</summary>
    public int? ComputeThreads { get; init; }
    /// <summary>Cluster Bootstrap (Akka.Management) instead of seeds; null: the seeds.</summary>
    public BootstrapSettings? Bootstrap { get; init; }

    /// <summary>Akka.Remote's protocol: "akka.ssl.tcp" with TLS, "akka.tcp" without.</summary>
    public string Protocol => Tls is null ? "akka.tcp" : "akka.ssl.tcp";

    /// <summary>protocol://system@host:port of every seed.</summary>
    public IReadOnlyList<string> SeedNodeAddresses => Seeds.Select(s => $"{Protocol}://{SystemName}@{s}").ToList();

    /// <summary>One line for the log: which transport, and why it is allowed.</summary>
    public string DescribeSecurity() => Security switch
    {
        TransportSecurity.MutualTls => $"Transport: TLS with mutual authentication; peers must hold a certificate signed by the cluster CA {ClusterCaValidator.Describe(Tls!.Validator.Ca)} (this member: '{Tls.Certificate.Subject}')",
        TransportSecurity.LoopbackPlainTcp => "Transport: plain TCP, allowed because every address is loopback",
        _ => "Transport: plain TCP because --insecure was given: traffic is neither encrypted nor authenticated",
    };
}
