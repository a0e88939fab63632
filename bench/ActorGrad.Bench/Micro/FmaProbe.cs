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
        Isa.Vector512 => Chains(Vector512.Create(1.0001f), Vector512.Create(0.9999f), iterations).ToScalar(),
        Isa.Vector256 => Chains(Vector256.Create(1.0001f), Vector256.Create(0.9999f), iterations).ToScalar(),
        Isa.Vector128 => Chains(Vector128.Create(1.0001f), Vector128.Create(0.9999f), iterations).ToScalar(),
        _ => throw new ArgumentOutOfRangeException(nameof(isa), isa, "the probe measures vector FMAs"),
    };

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector512<float> Chains(Vector512<float> x, Vector512<float> y, long n)
    {
        Vector512<float> c0 = y, c1 = y, c2 = y, c3 = y, c4 = y, c5 = y, c6 = y, c7 = y, c8 = y, c9 = y, c10 = y, c11 = y;
        for (var i = 0L; i < n; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(c0, x, y); c1 = Vector512.FusedMultiplyAdd(c1, x, y);
            c2 = Vector512.FusedMultiplyAdd(c2, x, y); c3 = Vector512.FusedMultiplyAdd(c3, x, y);
            c4 = Vector512.FusedMultiplyAdd(c4, x, y); c5 = Vector512.FusedMultiplyAdd(c5, x, y);
            c6 = Vector512.FusedMultiplyAdd(c6, x, y); c7 = Vector512.FusedMultiplyAdd(c7, x, y);
            c8 = Vector512.FusedMultiplyAdd(c8, x, y); c9 = Vector512.FusedMultiplyAdd(c9, x, y);
            c10 = Vector512.FusedMultiplyAdd(c10, x, y); c11 = Vector512.FusedMultiplyAdd(c11, x, y);
        }
        return c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector256<float> Chains(Vector256<float> x, Vector256<float> y, long n)
    {
        Vector256<float> c0 = y, c1 = y, c2 = y, c3 = y, c4 = y, c5 = y, c6 = y, c7 = y, c8 = y, c9 = y, c10 = y, c11 = y;
        for (var i = 0L; i < n; i++)
        {
            c0 = Vector256.FusedMultiplyAdd(c0, x, y); c1 = Vector256.FusedMultiplyAdd(c1, x, y);
            c2 = Vector256.FusedMultiplyAdd(c2, x, y); c3 = Vector256.FusedMultiplyAdd(c3, x, y);
            c4 = Vector256.FusedMultiplyAdd(c4, x, y); c5 = Vector256.FusedMultiplyAdd(c5, x, y);
            c6 = Vector256.FusedMultiplyAdd(c6, x, y); c7 = Vector256.FusedMultiplyAdd(c7, x, y);
            c8 = Vector256.FusedMultiplyAdd(c8, x, y); c9 = Vector256.FusedMultiplyAdd(c9, x, y);
            c10 = Vector256.FusedMultiplyAdd(c10, x, y); c11 = Vector256.FusedMultiplyAdd(c11, x, y);
        }
        return c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector128<float> Chains(Vector128<float> x, Vector128<float> y, long n)
    {
        Vector128<float> c0 = y, c1 = y, c2 = y, c3 = y, c4 = y, c5 = y, c6 = y, c7 = y, c8 = y, c9 = y, c10 = y, c11 = y;
        for (var i = 0L; i < n; i++)
        {
            c0 = Vector128.FusedMultiplyAdd(c0, x, y); c1 = Vector128.FusedMultiplyAdd(c1, x, y);
            c2 = Vector128.FusedMultiplyAdd(c2, x, y); c3 = Vector128.FusedMultiplyAdd(c3, x, y);
            c4 = Vector128.FusedMultiplyAdd(c4, x, y); c5 = Vector128.FusedMultiplyAdd(c5, x, y);
            c6 = Vector128.FusedMultiplyAdd(c6, x, y); c7 = Vector128.FusedMultiplyAdd(c7, x, y);
            c8 = Vector128.FusedMultiplyAdd(c8, x, y); c9 = Vector128.FusedMultiplyAdd(c9, x, y);
            c10 = Vector128.FusedMultiplyAdd(c10, x, y); c11 = Vector128.FusedMultiplyAdd(c11, x, y);
        }
        return c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11;
    }
}
