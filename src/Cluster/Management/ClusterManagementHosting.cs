using Akka.Cluster.Hosting;
using Akka.Discovery.Config.Hosting;
using Akka.Discovery.KubernetesApi;
using Akka.Hosting;
using Akka.Management;
using Akka.Management.Cluster.Bootstrap;
using Akka.Management.Dsl;

namespace ActorGrad.Cluster.Management;

/// <summary>
/// Akka.Management on a member, through Akka.Hosting: the HTTP endpoint with <see cref="HealthRoutes"/>, the liveness
/// and readiness checks they run, and Cluster Bootstrap with the chosen discovery. The endpoint (and bootstrap) start
/// with the ActorSystem; a port that cannot be bound fails the start.
/// </summary>
public static class ClusterManagementHosting
{
    public static AkkaConfigurationBuilder WithClusterManagement(this AkkaConfigurationBuilder builder, ManagementSettings settings)
    {
        builder.WithActorSystemLivenessCheck(tags: [HealthRoutes.LivenessTag]);
        builder.WithAkkaClusterReadinessCheck(tags: [HealthRoutes.ReadinessTag]);
        builder.WithAkkaManagement(new AkkaManagementOptions
        {
            HostName = settings.PublicHost,
            Port = settings.Port,
            BindHostName = settings.BindHost,
            BindPort = settings.Port,
            RouteProviders = new Dictionary<string, Type?> { ["actorgrad-health"] = typeof(HealthRoutes) },
        }, autoStart: false);

        switch (settings.Discovery)
        {
            case ClusterDiscovery.Config:
                builder.WithConfigDiscovery(new ConfigServiceDiscoveryOptions
                {
                    Services = [new Service { Name = settings.ServiceName, Endpoints = [.. settings.ContactPoints.Select(c => c.ToString())] }],
                });
                break;
            case ClusterDiscovery.Kubernetes:
                builder.WithKubernetesDiscovery(new KubernetesDiscoveryOptions { PodLabelSelector = settings.PodLabelSelector });
                break;
        }
        if (settings.Bootstraps)
        {
            builder.WithClusterBootstrap(new ClusterBootstrapOptions
            {
                ContactPointDiscovery =
                {
                    ServiceName = settings.ServiceName,
                    RequiredContactPointsNr = settings.RequiredContactPoints,
                    // Kubernetes: the container port of that name; config discovery lists the ports itself.
                    PortName = settings.Discovery == ClusterDiscovery.Kubernetes ? settings.PortName : null,
                },
                ContactPoint = { FilterOnFallbackPort = settings.Discovery == ClusterDiscovery.Kubernetes ? null : false },
            }, autoStart: false);
        }

        // Started here rather than by akka.extensions, so that a port in use fails the host's start instead of
        // terminating the system from a background task.
        builder.AddStartup(async (system, _) =>
        {
            await AkkaManagement.Get(system).Start();
            if (settings.Bootstraps) await ClusterBootstrap.Get(system).Start();
        });
        return builder;
    }
}
