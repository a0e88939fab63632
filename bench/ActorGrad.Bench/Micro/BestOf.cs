namespace ActorGrad.Bench.Micro;

/// <summary>The micro breakdowns' one timing rule.</summary>
internal static class BestOf
{
    /// <summary>
    /// Best of 7 rounds, per call: wall time, or the CPU time of all threads when a clock is given (what a loaded
    /// machine disturbs least). Warmed for 0.3 s first: tiered compilation recompiles a hot method about 0.1 s after
    /// it gets hot, and a fast op timed before that is timed in unoptimised code (sum_to ran 10x slower so).
    /// </summary>
    public static double Microseconds(Action action, int reps, Func<double>? clock = null)
    {
        var warm = System.Diagnostics.Stopwatch.StartNew();
        while (warm.Elapsed.TotalSeconds < 0.3) action();
        clock ??= () => System.Diagnostics.Stopwatch.GetTimestamp() / (double)System.Diagnostics.Stopwatch.Frequency;
        var best = double.MaxValue;
        for (var round = 0; round < 7; round++)
        {
            var start = clock();
            for (var i = 0; i < reps; i++) action();
            best = Math.Min(best, (clock() - start) * 1e6 / reps);
        }
        return best;
    }
}
