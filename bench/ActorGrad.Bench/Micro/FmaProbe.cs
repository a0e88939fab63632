using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using ActorGrad.Engine.Tensors;

namespace ActorGrad.Bench.Micro;

/// <summary>
/// The FMA throughput a core actually sustains at a vector width: twelve independent chains of
/// fused multiply-adds (enough to cover the latency of two FMA pipes), nothing loaded or stored.
/// It measures what the clock and the ISA only suggest: turbo, double-pumped 512-bit units
/// (Zen 4), a busy neighbour on the same core.
/// </summary>
internal static class FmaProbe
{
    /// <summary>
    /// GFLOP/s of <paramref name="threads"/> threads together (best of several rounds). One thread is
    /// timed by its CPU time where Linux gives it (a busy machine then only costs the probe time, not
    /// its result); several by the wall clock, which is what shows two vCPUs sharing one core.
    /// </summary>
    public static double Gflops(Isa isa, int threads)
    {
        const long iterations = 4_000_000;
        var flopsPerIteration = 12L * 2 * KernelIsa.Lanes(isa);
        Run(isa, 10_000); // JIT
        var best = double.MaxValue;
        for (var round = 0; round < 5; round++)
        {
            if (threads == 1 && CpuClock.IsAvailable)
            {
                var cpu = CpuClock.ThreadSeconds();
                Run(isa, iterations);
                best = Math.Min(best, CpuClock.ThreadSeconds() - cpu);
                continue;
            }
            var w = Stopwatch.StartNew();
            if (threads == 1) Run(isa, iterations);
            else Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, _ => Run(isa, iterations));
            best = Math.Min(best, w.Elapsed.TotalSeconds);
        }
        return flopsPerIteration * iterations * threads / best / 1e9;
    }

    private static float Run(Isa isa, long iterations) => isa switch
    {
        Isa.Vector512 => Chains<Simd512, Vector512<float>>(Vector512.Create(1.0001f), Vector512.Create(0.9999f), iterations).ToScalar(),
        Isa.Vector256 => Chains<Simd256, Vector256<float>>(Vector256.Create(1.0001f), Vector256.Create(0.9999f), iterations).ToScalar(),
        Isa.Vector128 => Chains<Simd128, Vector128<float>>(Vector128.Create(1.0001f), Vector128.Create(0.9999f), iterations).ToScalar(),
        _ => throw new ArgumentOutOfRangeException(nameof(isa), isa, "the probe measures vector FMAs"),
    };

    /// <summary>Twelve chains of the multiply-add the GEMM kernel issues at this width (the same width structs).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static TV Chains<TS, TV>(TV x, TV y, long n) where TS : ISimdWidth<TV> where TV : struct
    {
        TV c0 = y, c1 = y, c2 = y, c3 = y, c4 = y, c5 = y, c6 = y, c7 = y, c8 = y, c9 = y, c10 = y, c11 = y;
        for (var i = 0L; i < n; i++)
        {
            c0 = TS.MultiplyAdd(c0, x, y); c1 = TS.MultiplyAdd(c1, x, y);
            c2 = TS.MultiplyAdd(c2, x, y); c3 = TS.MultiplyAdd(c3, x, y);
            c4 = TS.MultiplyAdd(c4, x, y); c5 = TS.MultiplyAdd(c5, x, y);
            c6 = TS.MultiplyAdd(c6, x, y); c7 = TS.MultiplyAdd(c7, x, y);
            c8 = TS.MultiplyAdd(c8, x, y); c9 = TS.MultiplyAdd(c9, x, y);
            c10 = TS.MultiplyAdd(c10, x, y); c11 = TS.MultiplyAdd(c11, x, y);
        }
        return TS.Add(TS.Add(TS.Add(TS.Add(c0, c1), TS.Add(c2, c3)), TS.Add(TS.Add(c4, c5), TS.Add(c6, c7))), TS.Add(TS.Add(c8, c9), TS.Add(c10, c11)));
    }
}
