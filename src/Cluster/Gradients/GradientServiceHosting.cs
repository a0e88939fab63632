using Akka.Hosting;

namespace ActorGrad.Cluster.Gradients;

/// <summary>Hosting the gradient service: a member with role `worker` that runs shards and hosts parameter owners.</summary>
public static class GradientServiceHosting
{
    /// <summary>
    /// Starts /user/gradients (give the member the role <see cref="GradientRoles.Worker"/> so coordinators use it).
    /// <paramref name="computeThreads"/>: threads one shard pass uses (<see cref="ClusterMemberSettings.ComputeThreads"/>); null: every core.
    /// </summary>
    public static AkkaConfigurationBuilder WithGradientService(this AkkaConfigurationBuilder builder, ITensorMessageSender? sender = null, int? computeThreads = null)
    {
        if (computeThreads is < 1) throw new ArgumentOutOfRangeException(nameof(computeThreads), computeThreads, "A shard pass needs at least one thread.");
        // A shard runs for a while on the worker's thread: a thread of its own keeps it from delaying the cluster's
        // heartbeats and gossip on the shared pool (Akka's advice for blocking work: isolate it on its own dispatcher).
        builder.AddHocon($$"""
            {{ShardWorker.DispatcherId}} {
              type = PinnedDispatcher
              executor = fork-join-executor
            }
            """, HoconAddMode.Prepend);
        return builder.WithActors((system, registry) =>
        {
            var service = system.ActorOf(GradientService.Props(sender ?? TensorSenders.For(system), computeThreads), GradientService.Name);
            registry.Register<GradientService>(service);
        });
    }
}
