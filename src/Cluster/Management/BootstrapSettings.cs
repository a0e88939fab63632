namespace ActorGrad.Cluster.Management;

/// <summary>
/// Akka.Management's Cluster Bootstrap on a member: its HTTP endpoint (contact point probing between members) and the
/// discovery method that lists the contact points. Validated by <see cref="ClusterMemberOptions.Validate"/>.
/// </summary>
public sealed record BootstrapSettings
{
    /// <summary>HTTP port of Akka.Management's endpoint (its default is 8558).</summary>
    public required int Port { get; init; }
    /// <summary>Address the endpoint binds to.</summary>
    public required string BindHost { get; init; }
    /// <summary>Address other members' bootstrap reaches this endpoint at.</summary>
    public required string PublicHost { get; init; }
    public required ClusterDiscovery Discovery { get; init; }
    /// <summary>The service whose contact points bootstrap looks up (config discovery: the list's name; Kubernetes: the pods' app label).</summary>
    public string ServiceName { get; init; } = "actorgrad";
    /// <summary>Config discovery: HOST:BOOTSTRAP_PORT of every contact point.</summary>
    public IReadOnlyList<HostPort> ContactPoints { get; init; } = [];
    /// <summary>Contact points bootstrap must see before the lowest address forms a new cluster.</summary>
    public int RequiredContactPoints { get; init; } = 2;
    /// <summary>Kubernetes discovery: the pods' label selector ({0} becomes the service name).</summary>
    public string PodLabelSelector { get; init; } = "app={0}";
    /// <summary>Kubernetes discovery: the name of the pods' container port that serves the endpoint.</summary>
    public string PortName { get; init; } = "management";
}
