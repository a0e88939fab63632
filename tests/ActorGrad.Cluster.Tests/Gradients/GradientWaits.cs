using ActorGrad.Cluster.Gradients;
using static ActorGrad.Cluster.Tests.ClusterTestSettings;

namespace ActorGrad.Cluster.Tests.Gradients;

/// <summary>Bounded waits of the gradient tests: for workers to be Up as the client sees them, for a job.</summary>
internal static class GradientWaits
{
    /// <summary>Until the client sees <paramref name="count"/> Up workers (a job places its work on the workers Up when it starts).</summary>
    public static async Task UntilWorkersUp(GradientClient client, int count)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var watcher = client.System.ActorOf(Akka.Actor.Props.Create(() => new WorkersUpSignal(count, seen)));
        try { await seen.Task.WaitAsync(Bound); }
        catch (TimeoutException) { throw new TimeoutException($"The client did not see {count} Up workers within {Bound.TotalSeconds:0} s."); }
        finally { client.System.Stop(watcher); }
    }

    /// <summary>The job with the test bound as its time bound, awaited within twice that.</summary>
    public static Task<GradientResult> Run(GradientClient client, GradientJob job, Action<ShardProgress>? progress = null) =>
        client.ComputeAsync(job with { Timeout = Bound }, progress).WaitAsync(Bound * 2);
}

/// <summary>Completes its signal once the cluster events it is told show <c>count</c> Up workers.</summary>
internal sealed class WorkersUpSignal : Akka.Actor.ReceiveActor
{
    private readonly HashSet<Akka.Actor.Address> _up = [];

    public WorkersUpSignal(int count, TaskCompletionSource seen)
    {
        void Check() { if (_up.Count >= count) seen.TrySetResult(); }
        Receive<Akka.Cluster.ClusterEvent.CurrentClusterState>(state =>
        {
            foreach (var m in state.Members)
                if (m.Status == Akka.Cluster.MemberStatus.Up && m.HasRole(GradientRoles.Worker)) _up.Add(m.Address);
            Check();
        });
        Receive<Akka.Cluster.ClusterEvent.MemberUp>(up =>
        {
            if (up.Member.HasRole(GradientRoles.Worker)) _up.Add(up.Member.Address);
            Check();
        });
        Receive<Akka.Cluster.ClusterEvent.MemberRemoved>(removed => _up.Remove(removed.Member.Address));
    }

    protected override void PreStart() =>
        Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, Akka.Cluster.ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot,
            typeof(Akka.Cluster.ClusterEvent.MemberUp), typeof(Akka.Cluster.ClusterEvent.MemberRemoved));

    protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);
}
