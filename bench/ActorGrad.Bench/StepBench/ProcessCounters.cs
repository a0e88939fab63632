using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using ActorGrad.Cluster.Metrics;

namespace ActorGrad.Bench.StepBench;

/// <summary>
/// What one process of the step benchmark spent, read in that process: CPU seconds (all threads), garbage collections
/// by generation and their pause time, threads, and the shard passes it ran (count and seconds, from the cluster
/// meter's pass-duration histogram). Differences of two readings divided by the steps between them say where a step's
/// CPU goes in each process.
/// </summary>
internal readonly record struct ProcessCounters(double CpuSeconds, int Gen0, int Gen1, int Gen2, double GcPauseSeconds, int Threads,
    long Passes, double PassSeconds, long AllocatedBytes, IReadOnlyDictionary<string, double>? ThreadCpu = null)
{
    /// <summary>CPU seconds by thread name (Linux: /proc/self/task/*/comm and stat, 10 ms ticks), e.g. ".NET TP Worker".</summary>
    private static Dictionary<string, double> ThreadCpuNow()
    {
        var byName = new Dictionary<string, double>(StringComparer.Ordinal);
        if (!OperatingSystem.IsLinux()) return byName;
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                var name = File.ReadAllText(Path.Combine(task, "comm")).Trim().Replace(' ', '_');
                var stat = File.ReadAllText(Path.Combine(task, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                byName[name] = byName.GetValueOrDefault(name) + ticks / 100.0;
            }
            catch (IOException) { } // the thread ended meanwhile
        }
        return byName;
    }

    // By name: instruments are published from ClusterMetrics' static constructor, where its fields are not set yet.
    private const string PassDurationName = "actorgrad.gradient.pass.duration";
    private static readonly object PassLock = new();
    private static long _passes;
    private static double _passSeconds;
    private static MeterListener? _listener;

    /// <summary>Starts counting this process's shard passes (once per process).</summary>
    public static void ListenToPasses()
    {
        if (_listener is not null) return;
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == ClusterMetrics.MeterName && instrument.Name == PassDurationName)
                    listener.EnableMeasurementEvents(instrument);
            },
        };
        _listener.SetMeasurementEventCallback<double>((_, seconds, _, _) =>
        {
            Interlocked.Increment(ref _passes);
            lock (PassLock) _passSeconds += seconds;
        });
        _listener.Start();
    }

    public static ProcessCounters Now()
    {
        using var process = Process.GetCurrentProcess();
        double passSeconds;
        lock (PassLock) passSeconds = _passSeconds;
        return new(CpuClock.ProcessSeconds(), GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2),
            GC.GetTotalPauseDuration().TotalSeconds, process.Threads.Count, Interlocked.Read(ref _passes), passSeconds,
            GC.GetTotalAllocatedBytes(), ThreadCpuNow());
    }

    public static ProcessCounters operator -(ProcessCounters a, ProcessCounters b) =>
        new(a.CpuSeconds - b.CpuSeconds, a.Gen0 - b.Gen0, a.Gen1 - b.Gen1, a.Gen2 - b.Gen2, a.GcPauseSeconds - b.GcPauseSeconds,
            a.Threads, a.Passes - b.Passes, a.PassSeconds - b.PassSeconds, a.AllocatedBytes - b.AllocatedBytes,
            Combine(a.ThreadCpu, b.ThreadCpu, -1));

    private static Dictionary<string, double> Combine(IReadOnlyDictionary<string, double>? a, IReadOnlyDictionary<string, double>? b, int sign)
    {
        var result = new Dictionary<string, double>(a ?? new Dictionary<string, double>(), StringComparer.Ordinal);
        foreach (var (name, seconds) in b ?? new Dictionary<string, double>()) result[name] = result.GetValueOrDefault(name) + sign * seconds;
        return result;
    }

    /// <summary>Sums two differences (the threads of the later one).</summary>
    public static ProcessCounters operator +(ProcessCounters a, ProcessCounters b) =>
        new(a.CpuSeconds + b.CpuSeconds, a.Gen0 + b.Gen0, a.Gen1 + b.Gen1, a.Gen2 + b.Gen2, a.GcPauseSeconds + b.GcPauseSeconds,
            b.Threads, a.Passes + b.Passes, a.PassSeconds + b.PassSeconds, a.AllocatedBytes + b.AllocatedBytes,
            Combine(a.ThreadCpu, b.ThreadCpu, 1));

    public string ToWire() => string.Join(' ', new[] { CpuSeconds, Gen0, Gen1, Gen2, GcPauseSeconds, Threads, Passes, PassSeconds, AllocatedBytes }
        .Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + " " +
        string.Join(',', (ThreadCpu ?? new Dictionary<string, double>()).Select(t => $"{t.Key}={t.Value.ToString("R", CultureInfo.InvariantCulture)}"));

    public static ProcessCounters FromWire(string[] f)
    {
        double D(int i) => double.Parse(f[i], CultureInfo.InvariantCulture);
        var threads = f.Length > 9 && f[9].Length > 0
            ? f[9].Split(',').Select(t => t.Split('=')).ToDictionary(t => t[0], t => double.Parse(t[1], CultureInfo.InvariantCulture))
            : [];
        return new(D(0), (int)D(1), (int)D(2), (int)D(3), D(4), (int)D(5), (long)D(6), D(7), (long)D(8), threads);
    }

    /// <summary>Per step: CPU ms, of which shard passes (wall ms inside the pass), GCs, pause ms, MB allocated, threads.</summary>
    public string PerStep(int steps) => string.Create(CultureInfo.InvariantCulture,
        $"cpu {CpuSeconds / steps * 1e3:0.0} ms, passes {Passes / (double)steps:0.#} x {(Passes == 0 ? 0 : PassSeconds / Passes * 1e3):0.0} ms wall, " +
        $"gc {Gen0 / (double)steps:0.##}/{Gen1 / (double)steps:0.##}/{Gen2 / (double)steps:0.##} (pause {GcPauseSeconds / steps * 1e3:0.0} ms), " +
        $"alloc {AllocatedBytes / (double)steps / 1e6:0.0} MB, threads {Threads}; cpu by thread (ms/step): ") +
        string.Join(", ", (ThreadCpu ?? new Dictionary<string, double>()).Where(t => t.Value > 0).OrderByDescending(t => t.Value)
            .Select(t => FormattableString.Invariant($"{t.Key} {t.Value / steps * 1e3:0.0}")));
}
