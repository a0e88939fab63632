namespace ActorGrad.Engine.Cluster;

/// <summary>This node's bookkeeping for one member: status, reachability and its failure detector.</summary>
internal sealed class MemberState(MemberAddress address, MemberStatus status, IReadOnlyList<string> roles, PhiAccrualFailureDetector detector)
{
    public MemberAddress Address { get; } = address;
    public MemberStatus Status { get; set; } = status;
    public IReadOnlyList<string> Roles { get; } = roles;
    public PhiAccrualFailureDetector Detector { get; } = detector;
    public bool Reachable { get; set; } = true;
    public long UnreachableSinceMs { get; set; }
    public long StatusSinceMs { get; set; }
    public ulong HeartbeatSequence { get; set; }

    public Member ToMember() => new(Address, Status, Roles, Reachable);

    /// <summary>Statuses only move forward (Joining, Up, Leaving, Down, Removed), so merging views is taking the maximum.</summary>
    public static MemberStatus Merge(MemberStatus a, MemberStatus b) => a >= b ? a : b;
}
