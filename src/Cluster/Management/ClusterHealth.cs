using Akka.Cluster.Hosting;
using Akka.Hosting;

namespace ActorGrad.Cluster.Management;

/// <summary>
/// A member's health checks on Microsoft.Extensions.Diagnostics.HealthChecks (through Akka.Hosting): alive while the
/// ActorSystem runs, ready once this member is Up in the cluster. Filter by tag to serve them: `actorgrad node
/// --management-port` maps them to /health/alive and /health/ready; a program of one's own can map them with ASP.NET
/// Core's MapHealthChecks.
/// </summary>
public static class ClusterHealth
{
    public const string AlivePath = "/health/alive";
    public const string ReadyPath = "/health/ready";
    public const string LivenessTag = "actorgrad-alive";
    public const string ReadinessTag = "actorgrad-ready";

    public static AkkaConfigurationBuilder WithClusterHealthChecks(this AkkaConfigurationBuilder builder)
    {
        builder.WithActorSystemLivenessCheck(tags: [LivenessTag]);
        builder.WithAkkaClusterReadinessCheck(tags: [ReadinessTag]);
        return builder;
    }
}
