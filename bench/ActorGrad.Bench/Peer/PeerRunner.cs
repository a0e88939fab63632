using System.Globalization;

namespace ActorGrad.Bench.Peer;

/// <summary>Runs the peer workloads (all, or those named) and prints NAME&lt;TAB&gt;MICROSECONDS lines.</summary>
internal static class PeerRunner
{
    public static int Run(string[] names)
    {
        if (!PeerTimer.TryReadWarmUp(out var warmUp, out var error))
        {
            Console.Error.WriteLine(error);
            return 2;
        }
        using var workloads = new PeerWorkloads();
        var all = workloads.All();
        var unknown = names.Except(all.Select(w => w.Name)).ToArray();
        if (unknown.Length > 0)
        {
            Console.Error.WriteLine($"unknown workload(s): {string.Join(", ", unknown)}; known: {string.Join(", ", all.Select(w => w.Name))}");
            return 2;
        }
        foreach (var (name, iteration) in all)
        {
            if (names.Length > 0 && !names.Contains(name)) continue;
            var (us, cpu) = PeerTimer.Median(iteration, warmUp);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}\t{us:F1}"));
            // AG_PEER_CPU=1: the CPU time per iteration too (all threads), which a loaded machine disturbs far less than the wall time.
            if (Environment.GetEnvironmentVariable("AG_PEER_CPU") == "1")
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {cpu:F1} us of CPU per iteration (all threads), {us:F1} us wall"));
            if (Environment.GetEnvironmentVariable("AG_PEER_ALLOC") == "1") ReportAllocations(name, iteration);
        }
        return 0;
    }

    /// <summary>With AG_PEER_ALLOC=1: bytes allocated (all threads) and GC pause share per iteration, to stderr.</summary>
    private static void ReportAllocations(string name, Action iteration)
    {
        const int n = 20_000;
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var bytes = GC.GetTotalAllocatedBytes(true);
        var pause = GC.GetTotalPauseDuration();
        var gen0 = GC.CollectionCount(0);
        var gen1 = GC.CollectionCount(1);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < n; i++) iteration();
        sw.Stop();
        var perIter = (GC.GetTotalAllocatedBytes(true) - bytes) / (double)n;
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: {perIter:F0} B/iteration, {sw.Elapsed.TotalMicroseconds / n:F2} us/iteration, GC pause {(GC.GetTotalPauseDuration() - pause).TotalMilliseconds / sw.Elapsed.TotalMilliseconds:P0}, gen0 {GC.CollectionCount(0) - gen0}, gen1 {GC.CollectionCount(1) - gen1}"));
    }
}
