using System.Diagnostics;

namespace ActorGrad.Bench.Peer;

/// <summary>
/// Times one workload exactly as bench/peer/torch_workloads.py does, so the two can be divided:
/// a warm-up (three calls, then calls until PEER_WARMUP_S seconds, default 2, have passed), then
/// seven batches that each run for at least 0.2 s, and the median of the batches' mean time per call.
/// The warm-up matters here and not in Python: tiered compilation recompiles hot methods with their
/// profile data in the background during about the first second; PEER_WARMUP_S=0 gives the cold figures.
/// </summary>
internal static class PeerTimer
{
    private const int WarmUps = 3;
    private const int Batches = 7;
    private static readonly TimeSpan MinBatch = TimeSpan.FromSeconds(0.2);

    /// <summary>The warm-up time from PEER_WARMUP_S (default 2 s); false, with the reason, if it is not a number of seconds.</summary>
    public static bool TryReadWarmUp(out TimeSpan warmUp, out string error)
    {
        var text = Environment.GetEnvironmentVariable("PEER_WARMUP_S");
        (warmUp, error) = (TimeSpan.FromSeconds(2), "");
        if (string.IsNullOrEmpty(text)) return true;
        if (double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds is >= 0 and <= 3600)
        {
            warmUp = TimeSpan.FromSeconds(seconds);
            return true;
        }
        error = $"PEER_WARMUP_S must be a number of seconds from 0 to 3600, not '{text}'.";
        return false;
    }

    /// <summary>The median wall time per call, and the median CPU time per call of all the process's threads (NaN off Linux).</summary>
    public static (double Wall, double Cpu) Median(Action iteration, TimeSpan warmUp)
    {
        var warm = Stopwatch.StartNew();
        for (var i = 0; i < WarmUps; i++) iteration();
        while (warm.Elapsed < warmUp) iteration();
        var perCall = new double[Batches];
        var cpuPerCall = new double[Batches];
        for (var b = 0; b < Batches; b++)
        {
            var calls = 0;
            var cpu = CpuClock.IsAvailable ? CpuClock.ProcessSeconds() : double.NaN;
            var watch = Stopwatch.StartNew();
            while (watch.Elapsed < MinBatch)
            {
                iteration();
                calls++;
            }
            perCall[b] = watch.Elapsed.TotalMicroseconds / calls;
            cpuPerCall[b] = (CpuClock.IsAvailable ? CpuClock.ProcessSeconds() - cpu : double.NaN) * 1e6 / calls;
        }
        Array.Sort(perCall);
        Array.Sort(cpuPerCall);
        return (perCall[Batches / 2], cpuPerCall[Batches / 2]);
    }
}
