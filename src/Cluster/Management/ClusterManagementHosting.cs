using Akka.Discovery.Config.Hosting;
using Akka.Discovery.KubernetesApi;
using Akka.Hosting;
using Akka.Management;
using Akka.Management.Cluster.Bootstrap;
using Akka.Management.Dsl;

namespace ActorGrad.Cluster.Management;

/// <summary>
/// Akka.Management's Cluster Bootstrap on a member, through Akka.Hosting: its HTTP endpoint, the discovery method
/// (config or the Kubernetes API) and bootstrap itself, which joins the member to the others or, when none has formed
/// a cluster yet, lets the lowest contact point form it. Started with the ActorSystem, so that an endpoint that
/// cannot start fails the host's start instead of terminating the system from a background task.
/// </summary>
public static class ClusterManagementHosting
{
    public static AkkaConfigurationBuilder WithClusterBootstrap(this AkkaConfigurationBuilder builder, BootstrapSettings settings)
    {
        builder.WithAkkaManagement(new AkkaManagementOptions
        {
            HostName = settings.PublicHost,
            Port = settings.Port,
            BindHostName = settings.BindHost,
            BindPort = settings.Port,
        }, autoStart: false);

        if (settings.Discovery == ClusterDiscovery.Kubernetes)
            builder.WithKubernetesDiscovery(new KubernetesDiscoveryOptions { PodLabelSelector = settings.PodLabelSelector });
        else
            builder.WithConfigDiscovery(new ConfigServiceDiscoveryOptions
            {
                Services = [new Service { Name = settings.ServiceName, Endpoints = [.. settings.ContactPoints.Select(c => c.ToString())] }],
            });

        builder.WithClusterBootstrap(new ClusterBootstrapOptions
        {
            ContactPointDiscovery =
            {
                ServiceName = settings.ServiceName,
                RequiredContactPointsNr = settings.RequiredContactPoints,
                // Kubernetes lists pods: their container port of this name serves the endpoint. Config discovery lists the ports.
                PortName = settings.Discovery == ClusterDiscovery.Kubernetes ? settings.PortName : null,
            },
            ContactPoint = { FilterOnFallbackPort = settings.Discovery == ClusterDiscovery.Kubernetes ? null : false },
        }, autoStart: false);

        builder.AddStartup(async (system, _) =>
        {
            try
            {
                await AkkaManagement.Get(system).Start();
            }
            catch (Exception e) when (e.InnerException is MissingMethodException missing && missing.Message.Contains("Ceen.Httpd", StringComparison.Ordinal))
            {
                // Akka.Http.Shim 1.5.73 calls a method of Ceen.Httpd 0.9.9 that 0.9.10 no longer has: a feed without
                // 0.9.9 restores a server that cannot start. Say that, rather than a bare MissingMethodException.
                throw new InvalidOperationException(
                    "Akka.Management's HTTP endpoint cannot start: Akka.Http.Shim 1.5.73 is built against Ceen.Httpd 0.9.9, and the Ceen.Httpd " +
                    "restored here (a newer one) lacks the method it calls. Restore from a feed that serves Ceen.Httpd 0.9.9, or find the " +
                    $"members with --seed instead of Cluster Bootstrap. ({missing.Message})");
            }
            await ClusterBootstrap.Get(system).Start();
        });
        return builder;
    }
}
