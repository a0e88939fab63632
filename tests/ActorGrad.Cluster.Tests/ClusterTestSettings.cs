using System.Globalization;

namespace ActorGrad.Cluster.Tests;

/// <summary>Fast clocks for tests; every duration here is an upper bound, never a sleep.</summary>
internal static class ClusterTestSettings
{
    /// <summary>CI runs everything on 2 cores and sets ACTORGRAD_TEST_TIME_FACTOR=3.</summary>
    public static readonly double TimeFactor =
        double.TryParse(Environment.GetEnvironmentVariable("ACTORGRAD_TEST_TIME_FACTOR"), NumberStyles.Float, CultureInfo.InvariantCulture, out var f) && f > 0 ? f : 1;

    public static TimeSpan Dilated(TimeSpan t) => t * TimeFactor;

    /// <summary>Upper bound for anything cluster-shaped to happen on a loaded 2-core machine.</summary>
    public static readonly TimeSpan Bound = Dilated(TimeSpan.FromSeconds(20));

    /// <summary>
    /// The clocks every member of a test cluster runs with (the node processes get them through
    /// ACTORGRAD_Node__..., as an operator would). The heartbeat pause is patient: four or five
    /// processes JIT-compiling on 2 cores pause each other, and it stretches with the time factor
    /// (a false Unreachable is the flakiness to fear; detection merely takes longer).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, TimeSpan> FastClocks = new Dictionary<string, TimeSpan>
    {
        [nameof(ClusterMemberOptions.HeartbeatInterval)] = TimeSpan.FromMilliseconds(200),
        [nameof(ClusterMemberOptions.AcceptableHeartbeatPause)] = Dilated(TimeSpan.FromSeconds(3)),
        [nameof(ClusterMemberOptions.StableAfter)] = TimeSpan.FromSeconds(2),
        [nameof(ClusterMemberOptions.GossipInterval)] = TimeSpan.FromMilliseconds(200),
        [nameof(ClusterMemberOptions.LeaderActionsInterval)] = TimeSpan.FromMilliseconds(200),
        [nameof(ClusterMemberOptions.UnreachableNodesReaperInterval)] = TimeSpan.FromMilliseconds(200),
    };

    /// <summary>
    /// The clocks of the fault tests, which wait for a lost member to be found out again and again: a shorter heartbeat
    /// pause and a shorter stable-after. A false Unreachable there costs a re-run, never a wrong result (which is what
    /// those tests check), and the tests replace any member that is gone.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, TimeSpan> FaultClocks = new Dictionary<string, TimeSpan>(FastClocks)
    {
        [nameof(ClusterMemberOptions.AcceptableHeartbeatPause)] = Dilated(TimeSpan.FromSeconds(1.5)),
        [nameof(ClusterMemberOptions.StableAfter)] = TimeSpan.FromSeconds(1),
    };

    /// <summary>Options for an in-test member with the same clocks as the node processes.</summary>
    public static ClusterMemberOptions FastOptions(int port, params string[] seeds) => OptionsWith(FastClocks, port, seeds);

    /// <summary>Options for an in-test member with <paramref name="clocks"/>.</summary>
    public static ClusterMemberOptions OptionsWith(IReadOnlyDictionary<string, TimeSpan> clocks, int port, params string[] seeds) => new()
    {
        Port = port,
        Seeds = [.. seeds],
        HeartbeatInterval = clocks[nameof(ClusterMemberOptions.HeartbeatInterval)],
        AcceptableHeartbeatPause = clocks[nameof(ClusterMemberOptions.AcceptableHeartbeatPause)],
        StableAfter = clocks[nameof(ClusterMemberOptions.StableAfter)],
        GossipInterval = clocks[nameof(ClusterMemberOptions.GossipInterval)],
        LeaderActionsInterval = clocks[nameof(ClusterMemberOptions.LeaderActionsInterval)],
        UnreachableNodesReaperInterval = clocks[nameof(ClusterMemberOptions.UnreachableNodesReaperInterval)],
    };
}
