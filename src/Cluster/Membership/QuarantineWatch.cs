using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Remote;
using static Akka.Cluster.ClusterEvent;

namespace ActorGrad.Cluster.Membership;

/// <summary>
/// Downs this member when a cluster member has quarantined it. The others quarantine a member once they
/// have downed and removed it; a member that was frozen meanwhile (a long GC pause, SIGSTOP, a cut cable that
/// heals) may never receive the gossip that says so, and would otherwise go on as a cluster of its own: its
/// split brain resolver, seeing everyone else unreachable, can even keep its own side. Akka.NET publishes
/// <see cref="ThisActorSystemQuarantinedEvent"/> on classic remoting but its cluster does not act on it (Akka on
/// the JVM shuts such a member down), so this actor does: it downs itself, and the member stops as any downed
/// member does (CoordinatedShutdown with the cluster-downing reason; `actorgrad node` exits with code 3).
/// Quarantines from systems that were never members (an address this member never saw in its cluster) are
/// logged and ignored.
/// </summary>
public sealed class QuarantineWatch : ReceiveActor
{
    public const string Name = "quarantine-watch";

    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private readonly HashSet<Address> _everMembers = [];
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public QuarantineWatch()
    {
        Receive<CurrentClusterState>(state =>
        {
            foreach (var m in state.Members) _everMembers.Add(m.Address);
        });
        Receive<IMemberEvent>(e => _everMembers.Add(e.Member.Address));
        Receive<ThisActorSystemQuarantinedEvent>(OnQuarantined);
    }

    private void OnQuarantined(ThisActorSystemQuarantinedEvent e)
    {
        if (!_everMembers.Contains(e.RemoteAddress))
        {
            _log.Warning("Quarantined by {0}, which is not a member of this cluster; ignored.", e.RemoteAddress);
            return;
        }
        if (_cluster.IsTerminated) return;
        _log.Warning("Quarantined by cluster member {0}: the cluster has removed this member; downing it.", e.RemoteAddress);
        _cluster.Down(_cluster.SelfAddress);
    }

    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(ThisActorSystemQuarantinedEvent));
        _cluster.Subscribe(Self, SubscriptionInitialStateMode.InitialStateAsSnapshot, typeof(IMemberEvent));
    }

    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
        _cluster.Unsubscribe(Self);
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new QuarantineWatch());
}
