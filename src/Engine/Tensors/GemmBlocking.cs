namespace ActorGrad.Engine.Tensors;

/// <summary>
/// GEMM's cache blocks for one register tile (MR rows by NR columns), from the cache sizes, in the
/// BLIS manner: a KC-deep micro-panel of B stays in L1 while the MC x KC block of A streams from L2
/// and the KC x NC block of B from L3.
/// </summary>
internal readonly record struct GemmBlocking(int KC, int MC, int NC)
{
    public static GemmBlocking For(CacheSizes caches, int mr, int nr)
    {
        // B's micro-panel (KC x NR) within L1, and KC at most 256: deeper panels gained nothing here, and at
        // AVX-512 on a 32 KiB L1 a full-L1 panel (256) beat a half-L1 one (128) by 2-4% (BENCHMARKS.md).
        var kc = RoundDown((int)Math.Clamp(caches.L1Data / (nr * sizeof(float)), 64, 256), 8);
        // A's block (MC x KC) in half of L2: the rest holds B's panel on its way in and C.
        var mc = RoundDown((int)Math.Clamp(caches.L2 / 2 / (kc * sizeof(float)), mr, 1024), mr);
        // B's block (KC x NC) in a quarter of L3, which the cores share; at most 2048 columns (a pack buffer of 1-2 MiB per thread).
        var nc = RoundDown((int)Math.Clamp(caches.L3 / 4 / (kc * sizeof(float)), nr, 2048), nr);
        return new GemmBlocking(kc, mc, nc);
    }

    /// <summary>MC spread evenly over a range of <paramref name="rows"/>, so the last block is not a sliver (a multiple of <paramref name="mr"/>).</summary>
    public int BalancedMC(int rows, int mr)
    {
        var blocks = (rows + MC - 1) / MC;
        var per = (rows + blocks - 1) / blocks;
        return Math.Min(MC, (per + mr - 1) / mr * mr);
    }

    /// <summary>KC spread evenly over a depth of <paramref name="depth"/>: 784 is four blocks of 196, not three of 256 and one of 16 that loads and stores all of C for little work.</summary>
    public int BalancedKC(int depth)
    {
        var blocks = (depth + KC - 1) / KC;
        return Math.Max(1, Math.Min(KC, (depth + blocks - 1) / blocks));
    }

    private static int RoundDown(int value, int multiple) => Math.Max(multiple, value / multiple * multiple);
}
