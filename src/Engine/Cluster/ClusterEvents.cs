namespace ActorGrad.Engine.Cluster;

/// <summary>A member's life cycle, as Akka.Cluster: Joining, Up, (Leaving), Down, Removed.</summary>
public enum MemberStatus { Joining = 1, Up = 2, Leaving = 3, Down = 4, Removed = 5 }

/// <summary>A member as this node sees it.</summary>
public sealed record Member(MemberAddress Address, MemberStatus Status, IReadOnlyList<string> Roles, bool Reachable)
{
    public override string ToString() => $"{Address} {Status}{(Reachable ? "" : " (unreachable)")}";
}

/// <summary>Published on the system's EventStream; subscribe with <c>EventStream.Subscribe&lt;ClusterEvent&gt;</c>.</summary>
public abstract record ClusterEvent(Member Member);
public sealed record MemberJoined(Member Member) : ClusterEvent(Member);
public sealed record MemberUp(Member Member) : ClusterEvent(Member);
public sealed record MemberLeft(Member Member) : ClusterEvent(Member);
/// <summary>This node's failure detector lost the member (phi above the threshold).</summary>
public sealed record UnreachableMember(Member Member) : ClusterEvent(Member);
public sealed record ReachableMember(Member Member) : ClusterEvent(Member);
public sealed record MemberDowned(Member Member) : ClusterEvent(Member);
/// <summary>The member's incarnation is gone for good: its uid is quarantined, watchers got Terminated.</summary>
public sealed record MemberRemoved(Member Member, MemberStatus PreviousStatus) : ClusterEvent(Member);
