using Akka.Hosting;

namespace ActorGrad.Cluster.Gradients;

/// <summary>Hosting the gradient service: a member with role `worker` that runs shards and hosts parameter owners.</summary>
public static class GradientServiceHosting
{
    /// <summary>Starts /user/gradients (give the member the role <see cref="GradientRoles.Worker"/> so coordinators use it).</summary>
    public static AkkaConfigurationBuilder WithGradientService(this AkkaConfigurationBuilder builder, ITensorMessageSender? sender = null) =>
        builder.WithActors((system, registry) =>
        {
            var service = system.ActorOf(GradientService.Props(sender ?? AkkaTensorSender.Instance), GradientService.Name);
            registry.Register<GradientService>(service);
        });
}
