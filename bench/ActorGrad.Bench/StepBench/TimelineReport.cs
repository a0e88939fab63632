using System.Diagnostics;
using System.Globalization;
using ActorGrad.Cluster.Metrics;

namespace ActorGrad.Bench.StepBench;

/// <summary>
/// The step's timeline across the processes (`ACTORGRAD_STEP_TIMELINE=1`, see <see cref="StepTimeline"/>): for each
/// stage, the median time from the client's submit over the measured steps. A member's stages are named by its run in
/// the step's chain (run0 holds shard 0), found from the shards it passed; a lane write names the run it went to.
/// </summary>
internal static class TimelineReport
{
    private const string Submit = "client: submit";

    /// <summary>Marks as one line of text (`jobId,timestamp,stage;...`): stages hold neither ',' nor ';'.</summary>
    public static string ToWire(IEnumerable<StepTimeline.Mark> marks) =>
        string.Join(';', marks.Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.JobId},{m.Timestamp},{m.Stage}")));

    public static List<StepTimeline.Mark> FromWire(string line) =>
        [.. line.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(e => e.Split(',', 3))
            .Select(f => new StepTimeline.Mark(f[0], f[2], long.Parse(f[1], CultureInfo.InvariantCulture)))];

    /// <summary>One line per stage, in the order of their medians: median ms from submit, the stage, in how many steps it was seen.</summary>
    public static IEnumerable<string> Lines(IReadOnlyCollection<string> jobs, List<StepTimeline.Mark> client,
        IReadOnlyList<(string Address, List<StepTimeline.Mark> Marks)> members)
    {
        var wanted = jobs.ToHashSet(StringComparer.Ordinal);
        var clientByJob = client.Where(m => wanted.Contains(m.JobId)).ToLookup(m => m.JobId);
        var memberByJob = members.Select(m => m.Marks.Where(x => wanted.Contains(x.JobId)).ToLookup(x => x.JobId)).ToArray();
        var times = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        foreach (var job in wanted)
        {
            if (clientByJob[job].FirstOrDefault(m => m.Stage == Submit) is not { JobId: not null } submit) continue;
            // Each member's run: the rank of the first shard it passed in this step.
            var firstShard = memberByJob.Select(marks => marks[job]
                .Select(m => m.Stage.StartsWith("worker: pass s", StringComparison.Ordinal) && m.Stage.EndsWith(" start", StringComparison.Ordinal)
                    ? int.Parse(m.Stage["worker: pass s".Length..^" start".Length], CultureInfo.InvariantCulture) : int.MaxValue)
                .DefaultIfEmpty(int.MaxValue).Min()).ToArray();
            var run = Enumerable.Range(0, members.Count).OrderBy(k => firstShard[k]).Select((k, r) => (k, r)).ToDictionary(p => p.k, p => p.r);
            string Named(string stage)
            {
                for (var k = 0; k < members.Count; k++) stage = stage.Replace("@" + members[k].Address, $"to run{run[k]}", StringComparison.Ordinal);
                return stage;
            }
            var seen = new HashSet<string>(StringComparer.Ordinal);
            void Add(string label, long timestamp)
            {
                if (!seen.Add(label)) return; // a stage reached twice in one step (a second round): its first time counts
                if (!times.TryGetValue(label, out var list)) times[label] = list = [];
                list.Add((timestamp - submit.Timestamp) * 1e3 / Stopwatch.Frequency);
            }
            foreach (var m in clientByJob[job]) Add("client " + Named(m.Stage), m.Timestamp);
            for (var k = 0; k < members.Count; k++)
                foreach (var m in memberByJob[k][job]) Add($"run{run[k]} " + Named(m.Stage), m.Timestamp);
        }
        return times.Select(t => (Label: t.Key, Median: StepBenchmark.MedianOf([.. t.Value]), Count: t.Value.Count))
            .OrderBy(t => t.Median)
            .Select(t => string.Create(CultureInfo.InvariantCulture, $"  {t.Median,7:0.00} ms  {t.Label} ({t.Count} steps)"));
    }
}
