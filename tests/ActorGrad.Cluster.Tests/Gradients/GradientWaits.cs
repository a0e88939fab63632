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

    /// <summary>
    /// Until the client sees exactly <paramref name="workers"/> (addresses) as the worker members, each Up and reachable:
    /// a lost worker is removed, its replacement Up.
    /// </summary>
    public static async Task UntilWorkersAre(GradientClient client, IEnumerable<string> workers)
    {
        var expected = workers.ToHashSet(StringComparer.Ordinal);
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var last = "";
        bool Done(Akka.Cluster.ClusterEvent.CurrentClusterState state)
        {
            var members = state.Members.Where(m => m.HasRole(GradientRoles.Worker)).ToList();
            last = string.Join(", ", members.Select(m => $"{m.Address} {m.Status}{(state.Unreachable.Contains(m) ? " unreachable" : "")}"));
            return members.Count == expected.Count && members.All(m =>
                m.Status == Akka.Cluster.MemberStatus.Up && !state.Unreachable.Contains(m) && expected.Contains(m.Address.ToString()));
        }
        Func<Akka.Cluster.ClusterEvent.CurrentClusterState, bool> done = Done;
        var watcher = client.System.ActorOf(Akka.Actor.Props.Create(() => new ClusterStateSignal(done, seen)));
        try { await seen.Task.WaitAsync(Bound); }
        catch (TimeoutException) { throw new TimeoutException($"The client did not see exactly the workers {string.Join(", ", expected)} Up within {Bound.TotalSeconds:0} s; it sees: {last}."); }
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

/// <summary>Completes its signal once the cluster state, read again on every cluster event, satisfies a predicate.</summary>
internal sealed class ClusterStateSignal : Akka.Actor.ReceiveActor
{
    public ClusterStateSignal(Func<Akka.Cluster.ClusterEvent.CurrentClusterState, bool> done, TaskCompletionSource seen)
    {
        var cluster = Akka.Cluster.Cluster.Get(Context.System);
        Receive<Akka.Cluster.ClusterEvent.CurrentClusterState>(state => { if (done(state)) seen.TrySetResult(); });
        // Any change may be the one awaited: ask for the whole state again (events arrive in order, so the answer is newer).
        Receive<Akka.Cluster.ClusterEvent.IClusterDomainEvent>(_ => cluster.SendCurrentClusterState(Self));
    }

    protected override void PreStart() =>
        Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, Akka.Cluster.ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot,
            typeof(Akka.Cluster.ClusterEvent.IClusterDomainEvent));

    protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);
}
