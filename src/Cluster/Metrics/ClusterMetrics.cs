using System.Diagnostics.Metrics;

namespace ActorGrad.Cluster.Metrics;

/// <summary>
/// The cluster service's instruments on System.Diagnostics.Metrics (meter <see cref="MeterName"/>), so the library
/// needs no OpenTelemetry: `actorgrad node --metrics ...` exports them, a program of one's own can add the meter to
/// its OpenTelemetry MeterProvider or read it with a MeterListener. Counters are per process; a member counts what it
/// did (the submitting member counts steps and re-runs, a worker the shards it ran, every member its lane's bytes).
/// </summary>
public static class ClusterMetrics
{
    public const string MeterName = "ActorGrad.Cluster";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Gradient jobs (training steps) this member coordinated to the end.</summary>
    public static readonly Counter<long> Steps = Meter.CreateCounter<long>("actorgrad.gradient.steps", "{step}",
        "Gradient jobs (training steps) coordinated by this member that finished with a result.");

    /// <summary>Gradient jobs this member coordinated that failed.</summary>
    public static readonly Counter<long> StepsFailed = Meter.CreateCounter<long>("actorgrad.gradient.steps_failed", "{step}",
        "Gradient jobs coordinated by this member that failed (no worker left, a member's error, the time bound).");

    /// <summary>Duration of a whole job, from submission to result, at the coordinating member.</summary>
    public static readonly Histogram<double> StepDuration = Meter.CreateHistogram<double>("actorgrad.gradient.step.duration", "s",
        "Time from a job's start to its result at the coordinating member.");

    /// <summary>Shards this member ran (forward and backward pass of its part of the batch).</summary>
    public static readonly Counter<long> ShardsRun = Meter.CreateCounter<long>("actorgrad.gradient.shards_run", "{shard}",
        "Shards this worker ran through the spec (forward and backward pass).");

    /// <summary>Shards the coordinator handed out again because a worker or an owner was lost.</summary>
    public static readonly Counter<long> ShardsRerun = Meter.CreateCounter<long>("actorgrad.gradient.shards_rerun", "{shard}",
        "Shards this coordinator had to run again (their worker or a parameter owner was lost).");

    /// <summary>Latency of one shard's forward and backward pass on a worker.</summary>
    public static readonly Histogram<double> PassDuration = Meter.CreateHistogram<double>("actorgrad.gradient.pass.duration", "s",
        "Time a worker took for one shard's forward and backward pass.");

    /// <summary>Bytes the tensor lanes of this process wrote (frames: prefix, header and payload, before TLS).</summary>
    public static readonly Counter<long> LaneBytesSent = Meter.CreateCounter<long>("actorgrad.lane.bytes_sent", "By",
        "Bytes the tensor lane wrote to its peers (frames before TLS).");

    public static readonly Counter<long> LaneBytesReceived = Meter.CreateCounter<long>("actorgrad.lane.bytes_received", "By",
        "Bytes the tensor lane read from its peers (frames before TLS).");

    public static readonly Counter<long> LaneMessagesSent = Meter.CreateCounter<long>("actorgrad.lane.messages_sent", "{message}",
        "Messages the tensor lane wrote to its peers.");

    public static readonly Counter<long> LaneMessagesReceived = Meter.CreateCounter<long>("actorgrad.lane.messages_received", "{message}",
        "Messages the tensor lane read from its peers.");

    /// <summary>Every meter ActorGrad's libraries publish, for an exporter to subscribe to.</summary>
    public static IReadOnlyList<string> AllMeterNames { get; } = [MeterName, ActorGrad.Nodes.Graph.NodeMetrics.MeterName];
}
