using System.Diagnostics;

namespace ActorGrad.Bench.Peer;

/// <summary>
/// Times one workload exactly as bench/peer/torch_workloads.py does, so the two can be divided:
/// three warm-up calls, then seven batches that each run for at least 0.2 s, and the median of the
/// batches' mean time per call.
/// </summary>
internal static class PeerTimer
{
    private const int WarmUps = 3;
    private const int Batches = 7;
    private static readonly TimeSpan MinBatch = TimeSpan.FromSeconds(0.2);

    public static double MedianMicroseconds(Action iteration)
    {
        for (var i = 0; i < WarmUps; i++) iteration();
        var perCall = new double[Batches];
        for (var b = 0; b < Batches; b++)
        {
            var calls = 0;
            var watch = Stopwatch.StartNew();
            while (watch.Elapsed < MinBatch)
            {
                iteration();
                calls++;
            }
            perCall[b] = watch.Elapsed.TotalMicroseconds / calls;
        }
        Array.Sort(perCall);
        return perCall[Batches / 2];
    }
}
