namespace ActorGrad.Cluster.Management;

/// <summary>
/// Akka.Management's HTTP endpoint on a member: the health checks (<see cref="HealthRoutes"/>) and, unless members
/// are found through seeds, Cluster Bootstrap. Validated by <see cref="ClusterMemberOptions.Validate"/>.
/// </summary>
public sealed record ManagementSettings
{
    /// <summary>HTTP port of the endpoint (Akka.Management's default is 8558).</summary>
    public required int Port { get; init; }
    /// <summary>Address the endpoint binds to.</summary>
    public required string BindHost { get; init; }
    /// <summary>Address other members' bootstrap reaches this endpoint at.</summary>
    public required string PublicHost { get; init; }
    public ClusterDiscovery Discovery { get; init; } = ClusterDiscovery.Seeds;
    /// <summary>The service whose contact points bootstrap looks up (config discovery: the list's name; Kubernetes: the pods' app label).</summary>
    public string ServiceName { get; init; } = "actorgrad";
    /// <summary>Config discovery: HOST:MANAGEMENT_PORT of every contact point.</summary>
    public IReadOnlyList<HostPort> ContactPoints { get; init; } = [];
    /// <summary>Contact points bootstrap must see before the lowest address forms a new cluster.</summary>
    public int RequiredContactPoints { get; init; } = 2;
    /// <summary>Kubernetes discovery: the pods' label selector ({0} becomes the service name).</summary>
    public string PodLabelSelector { get; init; } = "app={0}";
    /// <summary>Kubernetes discovery: the name of the pods' container port that serves this endpoint.</summary>
    public string PortName { get; init; } = "management";

    /// <summary>True when Cluster Bootstrap, not the seeds, decides whom this member joins.</summary>
    public bool Bootstraps => Discovery != ClusterDiscovery.Seeds;
}
