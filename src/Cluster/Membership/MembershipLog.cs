using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using static Akka.Cluster.ClusterEvent;

namespace ActorGrad.Cluster.Membership;

/// <summary>
/// Logs one line per membership or reachability change, with the whole view as this member sees it
/// after the change. The view is built from the events themselves, so each line is consistent with
/// the event it reports.
/// </summary>
public sealed class MembershipLog : ReceiveActor
{
    public const string Name = "membership-log";

    private readonly Dictionary<UniqueAddress, Member> _members = [];
    private readonly HashSet<UniqueAddress> _unreachable = [];
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public MembershipLog()
    {
        Receive<MemberRemoved>(e =>
        {
            _members.Remove(e.Member.UniqueAddress);
            _unreachable.Remove(e.Member.UniqueAddress);
            Log(e, e.Member);
        });
        Receive<IMemberEvent>(e =>
        {
            _members[e.Member.UniqueAddress] = e.Member;
            Log(e, e.Member);
        });
        Receive<UnreachableMember>(e =>
        {
            _unreachable.Add(e.Member.UniqueAddress);
            Log(e, e.Member);
        });
        Receive<ReachableMember>(e =>
        {
            _unreachable.Remove(e.Member.UniqueAddress);
            Log(e, e.Member);
        });
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new MembershipLog());

    protected override void PreStart() =>
        Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(IMemberEvent), typeof(IReachabilityEvent));

    protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);

    private void Log(object change, Member member) =>
        _log.Info("Membership: {0} {1}; members: {2}", change.GetType().Name, Describe(member.UniqueAddress), View());

    private string View() => string.Join(", ", _members.Values.OrderBy(m => m.Address.ToString()).Select(m =>
        $"{Describe(m.UniqueAddress)} {m.Status}{(_unreachable.Contains(m.UniqueAddress) ? " unreachable" : "")}"));

    /// <summary>akka.tcp://system@host:port#uid: the uid tells incarnations on the same address apart.</summary>
    public static string Describe(UniqueAddress member) => $"{member.Address}#{member.Uid}";
}
