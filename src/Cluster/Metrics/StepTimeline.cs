using System.Collections.Concurrent;
using System.Diagnostics;
using ActorGrad.Protocol.Gradients;
using Akka.Actor;

namespace ActorGrad.Cluster.Metrics;

/// <summary>
/// A diagnostic of a gradient step's path across processes (environment variable <c>ACTORGRAD_STEP_TIMELINE=1</c>, off
/// by default): each process records when a job's messages reach each stage (submitted, coordinator started, encoded,
/// written, read, decoded, received by an actor, pass start and end, ...) as <see cref="Stopwatch"/> timestamps, which
/// on Linux are CLOCK_MONOTONIC and so compare across the processes of one host. The step benchmark collects them from
/// every process and prints the median time of each stage from the submit. Costs a static check while off; while on,
/// a string and a queue entry per mark, and the oldest entries are dropped past <see cref="Kept"/>.
/// </summary>
public static class StepTimeline
{
    /// <summary>One stage a job's step reached in this process, at a <see cref="Stopwatch.GetTimestamp"/> reading.</summary>
    public readonly record struct Mark(string JobId, string Stage, long Timestamp);

    /// <summary>Entries kept in a process between two <see cref="Take"/>s (a hundred steps' worth).</summary>
    public const int Kept = 20_000;

    private static readonly ConcurrentQueue<Mark> Marks = new();

    public static bool Enabled { get; } = Environment.GetEnvironmentVariable("ACTORGRAD_STEP_TIMELINE") == "1";

    /// <summary>Records that job <paramref name="jobId"/> reached <paramref name="stage"/> now (callers check <see cref="Enabled"/> before building the stage's name).</summary>
    public static void Record(string jobId, string stage) => Record(jobId, stage, Stopwatch.GetTimestamp());

    /// <summary>Records a stage reached at <paramref name="timestamp"/> (taken before what the mark is about).</summary>
    public static void Record(string jobId, string stage, long timestamp)
    {
        Marks.Enqueue(new Mark(jobId, stage, timestamp));
        while (Marks.Count > Kept) Marks.TryDequeue(out _);
    }

    /// <summary>
    /// Records a lane's stage of a job's message (<paramref name="what"/>: encoded, written, read, decoded), named by
    /// the message's kind and part, and the peer member (host:port) when given; other messages are not recorded.
    /// </summary>
    public static void RecordMessage(object message, string what, Address? peer = null, long timestamp = 0)
    {
        var (jobId, name) = message switch
        {
            PrepareJob m => (m.JobId, "PrepareJob"),
            RunShard m => (m.JobId, $"RunShard s{m.Shard}"),
            ChainSum m => (m.JobId, $"ChainSum to s{m.UpTo}"),
            ParameterGradient m => (m.JobId, $"ParameterGradient p{m.Parameter}"),
            BatchGradient m => (m.JobId, $"BatchGradient p{m.Parameter}"),
            _ => (null, null),
        };
        if (jobId is null) return;
        Record(jobId, peer is null ? $"{name} {what}" : $"{name} {what} @{peer.Host}:{peer.Port}",
            timestamp == 0 ? Stopwatch.GetTimestamp() : timestamp);
    }

    /// <summary>Every mark recorded since the last call, oldest first.</summary>
    public static List<Mark> Take()
    {
        var taken = new List<Mark>(Marks.Count);
        while (Marks.TryDequeue(out var mark)) taken.Add(mark);
        return taken;
    }
}
