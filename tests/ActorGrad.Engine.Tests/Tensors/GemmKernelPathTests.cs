using ActorGrad.Engine.Tensors;

namespace ActorGrad.Engine.Tests.Tensors;

/// <summary>
/// Every GEMM path this CPU can run (scalar, Vector128, Vector256, and Vector512 where the CPU has
/// AVX-512), forced through <see cref="KernelIsa.Force"/>, against a double-precision product:
/// edge tiles in both directions, depths across the KC block, rows across MC, columns across NC,
/// and the two-thread split.
/// </summary>
public class GemmKernelPathTests
{
    public static TheoryData<Isa> Paths()
    {
        var paths = new TheoryData<Isa>();
        foreach (var isa in Enum.GetValues<Isa>().Where(isa => isa <= KernelIsa.Widest)) paths.Add(isa);
        return paths;
    }

    /// <summary>Shapes chosen against each width's tile and blocks; the blocks come from this machine's caches.</summary>
    private static IEnumerable<(int M, int N, int K)> Shapes(Isa isa)
    {
        var nr = 2 * KernelIsa.Lanes(isa);
        // Tails of the register tile: rows 1..7 around MR = 6, columns around one and two vectors.
        foreach (var m in new[] { 1, 5, 6, 7 })
        foreach (var n in new[] { 1, nr / 2 - 1, nr / 2 + 1, nr - 1, nr, nr + 1, 2 * nr + 3 }.Where(n => n > 0).Distinct())
            yield return (m, n, 3);
        if (isa == Isa.Scalar) yield break;
        var blocking = Gemm.Blocking(isa);
        yield return (13, 2 * nr + 5, blocking.KC + 1);       // two depth blocks, the second of one
        yield return (9, nr + 3, 2 * blocking.KC + 7);         // three depth blocks
        yield return (blocking.MC + 7, nr - 3, 5);             // rows across two MC blocks
        yield return (7, blocking.NC + nr + 1, 3);             // columns across two NC blocks
        yield return (300, 10, 700);                            // narrower than a tile: run as Cᵀ = Bᵀ·Aᵀ, over depth blocks and two threads
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void ForcedPathMatchesTheDoublePrecisionProductOnOddShapes(Isa isa)
    {
        using var scope = KernelIsa.Force(isa);
        Assert.Equal(isa, KernelIsa.Current);
        foreach (var (m, n, k) in Shapes(isa))
            AssertProduct(m, n, k, $"{isa}");
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void ForcedPathSplitOverTwoThreadsMatchesTheProduct(Isa isa)
    {
        using var threads = ComputeThreads.Limit(2);
        using var scope = KernelIsa.Force(isa);
        // Above the two-thread threshold, split by columns (n >= m) and by rows (m > n), with tails.
        AssertProduct(131, 173, 101, $"{isa} two threads, split by columns");
        AssertProduct(247, 61, 149, $"{isa} two threads, split by rows");
    }

    private static void AssertProduct(int m, int n, int k, string what)
    {
        foreach (var transA in new[] { false, true })
        foreach (var transB in new[] { false, true })
        {
            using var a = Reference.Random(m * 7 + k, transA ? [k, m] : [m, k]);
            using var b = Reference.Random(n * 3 + k, transB ? [n, k] : [k, n]);
            using var c = TensorOps.MatMul(a, b, transA, transB);
            // Relative to the depth: float32 sums of k products of unit normals carry ~sqrt(k) ulps.
            Reference.AssertClose(Reference.MatMul(a.ToArray(), b.ToArray(), m, n, k, transA, transB), c.ToArray(),
                2e-6f * MathF.Sqrt(k) + 1e-6f, $"{what} {m}x{n}x{k} transA={transA} transB={transB}");
        }
    }

    [Fact]
    public void AWidthTheCpuLacksIsRefusedNotSilentlyReplaced()
    {
        if (KernelIsa.Widest == Isa.Vector512) return; // nothing wider to ask for
        var error = Assert.Throws<PlatformNotSupportedException>(() => KernelIsa.Force(Isa.Vector512));
        Assert.Contains(KernelIsa.Describe(KernelIsa.Widest), error.Message);
    }

    [Fact]
    public void AForcedWidthReachesTheWorkItStartsAndEndsWithItsScope()
    {
        using (KernelIsa.Force(Isa.Scalar))
        {
            Assert.Equal(Isa.Scalar, KernelIsa.Current);
            // Parallel workers (the two-thread GEMM, element-wise chunks) run at the forced width too.
            var seen = new Isa[4];
            Parallel.For(0, seen.Length, i => seen[i] = KernelIsa.Current);
            Assert.All(seen, isa => Assert.Equal(Isa.Scalar, isa));
            // Work that does not inherit this flow (another test, say) is not affected.
            Isa? unrelated = null;
            using (ExecutionContext.SuppressFlow())
            {
                var other = new Thread(() => unrelated = KernelIsa.Current);
                other.Start();
                other.Join();
            }
            Assert.Equal(KernelIsa.Widest, unrelated);
            using (KernelIsa.Force(KernelIsa.Widest)) Assert.Equal(KernelIsa.Widest, KernelIsa.Current);
            Assert.Equal(Isa.Scalar, KernelIsa.Current);
        }
        Assert.Equal(KernelIsa.Widest, KernelIsa.Current);
    }

    [Fact]
    public void ProductOverwritesWhatTheOutputHeldBefore()
    {
        // The first depth block stores into C instead of adding: stale values must not leak through.
        foreach (var isa in Enum.GetValues<Isa>().Where(isa => isa <= KernelIsa.Widest))
        {
            using var scope = KernelIsa.Force(isa);
            using var a = Reference.Random(1, 7, 300);
            using var b = Reference.Random(2, 300, 37);
            var c = Enumerable.Repeat(float.NaN, 7 * 37).ToArray();
            Gemm.Multiply(7, 37, 300, a.Span, false, b.Span, false, c);
            Reference.AssertClose(Reference.MatMul(a.ToArray(), b.ToArray(), 7, 37, 300, false, false), c, 1e-4f, isa.ToString());
        }
    }
}
