using Akka.Actor;
using Akka.Cluster;
using static Akka.Cluster.ClusterEvent;
using AkkaCluster = Akka.Cluster.Cluster;

namespace ActorGrad.Cluster.Gradients;

/// <summary>Completes its signal once cluster events show at least <c>count</c> Up members with role worker (no polling).</summary>
internal sealed class WorkersUpWatcher : ReceiveActor
{
    private readonly HashSet<Address> _up = [];

    public WorkersUpWatcher(int count, TaskCompletionSource<int> seen)
    {
        void Check() { if (_up.Count >= count) seen.TrySetResult(_up.Count); }
        Receive<CurrentClusterState>(state =>
        {
            foreach (var m in state.Members)
                if (m.Status == MemberStatus.Up && m.HasRole(GradientRoles.Worker) && !state.Unreachable.Contains(m)) _up.Add(m.Address);
            Check();
        });
        Receive<MemberUp>(up =>
        {
            if (up.Member.HasRole(GradientRoles.Worker)) _up.Add(up.Member.Address);
            Check();
        });
        Receive<MemberRemoved>(removed => _up.Remove(removed.Member.Address));
        Receive<IClusterDomainEvent>(_ => { });
    }

    public static Props Props(int count, TaskCompletionSource<int> seen) => Akka.Actor.Props.Create(() => new WorkersUpWatcher(count, seen));

    protected override void PreStart() =>
        AkkaCluster.Get(Context.System).Subscribe(Self, SubscriptionInitialStateMode.InitialStateAsSnapshot, typeof(MemberUp), typeof(MemberRemoved));

    protected override void PostStop() => AkkaCluster.Get(Context.System).Unsubscribe(Self);
}
