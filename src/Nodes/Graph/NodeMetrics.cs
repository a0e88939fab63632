using System.Diagnostics.Metrics;

namespace ActorGrad.Nodes.Graph;

/// <summary>
/// The autograd layer's instruments on System.Diagnostics.Metrics (meter <see cref="MeterName"/>): the node actors
/// alive in this process, over every session. An exporter (OpenTelemetry in `actorgrad node`) or a MeterListener
/// reads them; without one they cost one Interlocked add per node started or ended.
/// </summary>
public static class NodeMetrics
{
    public const string MeterName = "ActorGrad.Nodes";
    public const string LiveNodesName = "actorgrad.nodes.live";

    private static readonly Meter Meter = new(MeterName);
    private static long s_live;

    static NodeMetrics() =>
        Meter.CreateObservableUpDownCounter(LiveNodesName, () => Volatile.Read(ref s_live), "{node}",
            "Graph nodes a node actor is being now (recorded ops and leaves not yet ended), over all sessions of the process.");

    /// <summary>Node actors alive in this process now (the sum of every session's LiveNodeCount).</summary>
    public static long LiveNodes => Volatile.Read(ref s_live);

    internal static void NodeStarted() => Interlocked.Increment(ref s_live);
    internal static void NodeEnded() => Interlocked.Decrement(ref s_live);
}
