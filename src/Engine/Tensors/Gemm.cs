using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ActorGrad.Engine.Tensors;

/// <summary>
/// C = op(A) * op(B) for row-major float32 matrices, op = identity or transpose.
/// Blocked and packed in the BLIS manner: B is packed into KC x NR panels, A into MR x KC panels,
/// and a register-tiled micro-kernel (MR rows x two vectors) runs fused multiply-adds over them.
/// Transposition is absorbed by the packing, so every combination runs the same kernel.
/// </summary>
internal static unsafe class Gemm
{
    private const int MR = 6;
    /// <summary>Below this many multiply-adds a second thread costs more than it brings.</summary>
    private const long ParallelWork = 1L << 21;

    /// <summary>The cache blocks of each width's register tile (MR rows by two vectors), from this machine's caches.</summary>
    internal static GemmBlocking Blocking(Isa isa) => isa switch
    {
        Isa.Vector512 => Blocking512,
        Isa.Vector256 => Blocking256,
        Isa.Vector128 => Blocking128,
        _ => throw new ArgumentOutOfRangeException(nameof(isa), isa, "the scalar product is not blocked"),
    };
    private static readonly GemmBlocking Blocking512 = GemmBlocking.For(CacheSizes.Machine, MR, 32);
    private static readonly GemmBlocking Blocking256 = GemmBlocking.For(CacheSizes.Machine, MR, 16);
    private static readonly GemmBlocking Blocking128 = GemmBlocking.For(CacheSizes.Machine, MR, 8);

    /// <summary>C[m x n] = op(A)[m x k] * op(B)[k x n]; C is overwritten. Runs at <see cref="KernelIsa.Current"/>.</summary>
    public static void Multiply(int m, int n, int k, ReadOnlySpan<float> a, bool transA, ReadOnlySpan<float> b, bool transB, Span<float> c)
    {
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            c[..(m * n)].Clear();
            return;
        }
        var isa = KernelIsa.Current;
        if (isa != Isa.Scalar && n < 2 * KernelIsa.Lanes(isa) && m > n)
        {
            MultiplyNarrow(m, n, k, a, transA, b, transB, c);
            return;
        }
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            var job = new Job(m, n, k, pa, transA, pb, transB, pc);
            switch (isa)
            {
                case Isa.Vector512: Run<Simd512, System.Runtime.Intrinsics.Vector512<float>>(job, Blocking512); break;
                case Isa.Vector256: Run<Simd256, System.Runtime.Intrinsics.Vector256<float>>(job, Blocking256); break;
                case Isa.Vector128: Run<Simd128, System.Runtime.Intrinsics.Vector128<float>>(job, Blocking128); break;
                default: Naive(job); break;
            }
        }
    }

    /// <summary>
    /// C narrower than a register tile (a classifier's last layer: 10 columns of a 32-lane tile at AVX-512 leave 69% of
    /// every FMA unused): Cᵀ = Bᵀ·Aᵀ puts the narrow side on the tile's MR rows instead, where 10 rows fill 10 of 12,
    /// and C is that product transposed (m x n floats: little beside the m x n x k multiply-adds).
    /// </summary>
    private static void MultiplyNarrow(int m, int n, int k, ReadOnlySpan<float> a, bool transA, ReadOnlySpan<float> b, bool transB, Span<float> c)
    {
        var transposed = System.Buffers.ArrayPool<float>.Shared.Rent(m * n);
        try
        {
            // Bᵀ stored as B is B read transposed, and likewise Aᵀ; the swapped product has more columns than rows (m > n), so it does not swap back.
            Multiply(n, m, k, b, !transB, a, !transA, transposed.AsSpan(0, m * n));
            for (var i = 0; i < m; i++)
            for (var j = 0; j < n; j++)
                c[i * n + j] = transposed[j * m + i];
        }
        finally { System.Buffers.ArrayPool<float>.Shared.Return(transposed); }
    }

    private readonly struct Job(int m, int n, int k, float* a, bool transA, float* b, bool transB, float* c)
    {
        public readonly int M = m, N = n, K = k;
        public readonly float* A = a, B = b, C = c;
        public readonly bool TransA = transA, TransB = transB;
        public float AAt(int i, int p) => TransA ? A[(long)p * M + i] : A[(long)i * K + p];
        public float BAt(int p, int j) => TransB ? B[(long)j * K + p] : B[(long)p * N + j];
    }

    private static void Run<TS, TV>(Job job, GemmBlocking blocking) where TS : ISimdWidth<TV> where TV : struct
    {
        var nr = 2 * TS.Width;
        var threads = (long)job.M * job.N * job.K >= ParallelWork ? ComputeThreads.Current : 1;
        if (threads == 1)
        {
            Block<TS, TV>(job, blocking, 0, job.M, 0, job.N);
            return;
        }
        // Each thread packs the share of B it uses; A is read in place unless it is transposed. So split the columns
        // (B's share), unless A is transposed and has more rows than B has columns (each thread would pack all of A), or
        // there are too few columns to split; boundaries on tile multiples.
        var splitColumns = job.M < MR * threads || (job.N >= nr * threads && (!job.TransA || job.N >= job.M));
        if (splitColumns)
        {
            var step = (job.N / nr + threads - 1) / threads * nr;
            ComputeThreads.For((int)threads, t =>
            {
                var j0 = (int)Math.Min(job.N, t * step);
                var j1 = (int)Math.Min(job.N, j0 + step);
                if (j1 > j0) Block<TS, TV>(job, blocking, 0, job.M, j0, t == threads - 1 ? job.N : j1);
            });
        }
        else
        {
            var step = (job.M / MR + threads - 1) / threads * MR;
            ComputeThreads.For((int)threads, t =>
            {
                var i0 = (int)Math.Min(job.M, t * step);
                var i1 = (int)Math.Min(job.M, i0 + step);
                if (i1 > i0) Block<TS, TV>(job, blocking, i0, t == threads - 1 ? job.M : i1, 0, job.N);
            });
        }
    }

    // Pack buffers live for the thread's lifetime, 64-byte aligned, grown when a wider blocking needs more.
    [ThreadStatic] private static float* _packA;
    [ThreadStatic] private static float* _packB;
    [ThreadStatic] private static long _packACapacity;
    [ThreadStatic] private static long _packBCapacity;

    private static float* Buffer(ref float* buffer, ref long capacity, long floats)
    {
        if (capacity >= floats) return buffer;
        if (buffer != null) NativeMemory.AlignedFree(buffer);
        buffer = (float*)NativeMemory.AlignedAlloc((nuint)(floats * sizeof(float)), 64);
        capacity = floats;
        return buffer;
    }

    private static void Block<TS, TV>(Job job, GemmBlocking blocking, int i0, int i1, int j0, int j1) where TS : ISimdWidth<TV> where TV : struct
    {
        var nr = 2 * TS.Width;
        var (kcMax, ncMax) = (blocking.BalancedKC(job.K), blocking.NC);
        var mcMax = blocking.BalancedMC(i1 - i0, MR);
        var packA = Buffer(ref _packA, ref _packACapacity, (long)(mcMax + MR) * kcMax);
        var packB = Buffer(ref _packB, ref _packBCapacity, (long)(ncMax + nr) * kcMax);
        for (var jc = j0; jc < j1; jc += ncMax)
        {
            var nc = Math.Min(ncMax, j1 - jc);
            for (var pc = 0; pc < job.K; pc += kcMax)
            {
                var kc = Math.Min(kcMax, job.K - pc);
                // The first depth block writes C, the later ones add to it: C needs no clearing pass.
                var overwrite = pc == 0;
                PackB<TS, TV>(job, pc, kc, jc, nc, nr, packB);
                for (var ic = i0; ic < i1; ic += mcMax)
                {
                    var mc = Math.Min(mcMax, i1 - ic);
                    // Rows of A as stored are read in place (a row is contiguous in depth, as a packed panel is):
                    // only transposed A and a last panel of fewer than MR rows are packed.
                    var inPlaceRows = job.TransA ? 0 : mc / MR * MR;
                    PackA(job, ic + inPlaceRows, mc - inPlaceRows, pc, kc, packA);
                    for (var jr = 0; jr < nc; jr += nr)
                    for (var ir = 0; ir < mc; ir += MR)
                    {
                        var c = job.C + (long)(ic + ir) * job.N + jc + jr;
                        int rows = Math.Min(MR, mc - ir), cols = Math.Min(nr, nc - jr);
                        if (ir < inPlaceRows)
                            Kernel<TS, TV>(kc, job.A + (long)(ic + ir) * job.K + pc, job.K, 1, packB + jr * kc, c, job.N, rows, cols, overwrite);
                        else
                            Kernel<TS, TV>(kc, packA + (ir - inPlaceRows) * kc, 1, MR, packB + jr * kc, c, job.N, rows, cols, overwrite);
                    }
                }
            }
        }
    }

    /// <summary>A's rows ic..ic+mc, depth pc..pc+kc, as MR-row panels, k-major, zero-padded (transposed A, and the last panel of fewer than MR rows).</summary>
    private static void PackA(Job job, int ic, int mc, int pc, int kc, float* dst)
    {
        for (var ir = 0; ir < mc; ir += MR)
        {
            var rows = Math.Min(MR, mc - ir);
            if (rows == MR && job.TransA)
            {
                // Transposed A: the MR values of one depth are adjacent. Where eight are readable, one 8-float move per
                // depth: its last two land in the next depth's place, which the next move overwrites (the buffer has room
                // for a panel more than it holds).
                var col = job.A + (long)pc * job.M + ic + ir;
                if (Vector256.IsHardwareAccelerated && ic + ir + 8 <= job.M)
                {
                    for (var p = 0; p < kc; p++)
                    {
                        Vector256.Store(Vector256.Load(col + (long)p * job.M), dst);
                        dst += MR;
                    }
                    continue;
                }
                for (var p = 0; p < kc; p++)
                {
                    var src = col + (long)p * job.M;
                    dst[0] = src[0]; dst[1] = src[1]; dst[2] = src[2];
                    dst[3] = src[3]; dst[4] = src[4]; dst[5] = src[5];
                    dst += MR;
                }
                continue;
            }
            for (var p = 0; p < kc; p++)
            {
                var r = 0;
                for (; r < rows; r++) dst[r] = job.AAt(ic + ir + r, pc + p);
                for (; r < MR; r++) dst[r] = 0f;
                dst += MR;
            }
        }
    }

    /// <summary>B's depth pc..pc+kc, columns jc..jc+nc, as NR-column panels, k-major, zero-padded.</summary>
    private static void PackB<TS, TV>(Job job, int pc, int kc, int jc, int nc, int nr, float* dst) where TS : ISimdWidth<TV> where TV : struct
    {
        for (var jr = 0; jr < nc; jr += nr)
        {
            var cols = Math.Min(nr, nc - jr);
            if (job.TransB && cols == nr)
            {
                // Transposed B: each column of the panel is a contiguous run of a row of B; eight rows by eight depths
                // at a time are one 8x8 transpose in registers, the depths past a multiple of eight one by one.
                var rows = job.B + (long)(jc + jr) * job.K + pc;
                var p8 = Avx.IsSupported && nr % 8 == 0 ? kc / 8 * 8 : 0;
                for (var j = 0; j < nr; j += 8)
                for (var p = 0; p < p8; p += 8)
                    Transpose8x8(rows + (long)j * job.K + p, job.K, dst + p * nr + j, nr);
                for (var j = 0; j < nr; j++)
                {
                    var src = rows + (long)j * job.K;
                    for (var p = p8; p < kc; p++) dst[p * nr + j] = src[p];
                }
                dst += kc * nr;
                continue;
            }
            for (var p = 0; p < kc; p++)
            {
                var j = 0;
                if (!job.TransB && cols == nr)
                {
                    // Two vector moves (a Span copy per row called memmove for 64-128 bytes).
                    var src = job.B + (long)(pc + p) * job.N + jc + jr;
                    TS.Store(TS.Load(src), dst);
                    TS.Store(TS.Load(src + TS.Width), dst + TS.Width);
                    j = nr;
                }
                for (; j < cols; j++) dst[j] = job.BAt(pc + p, jc + jr + j);
                for (; j < nr; j++) dst[j] = 0f;
                dst += nr;
            }
        }
    }

    /// <summary>dst[q * ldd + r] = src[r * lds + q] for r, q in 0..7: unpack, shuffle and lane-swap, as every AVX transpose does.</summary>
    private static void Transpose8x8(float* src, long lds, float* dst, int ldd)
    {
        var r0 = Avx.LoadVector256(src); var r1 = Avx.LoadVector256(src + lds);
        var r2 = Avx.LoadVector256(src + 2 * lds); var r3 = Avx.LoadVector256(src + 3 * lds);
        var r4 = Avx.LoadVector256(src + 4 * lds); var r5 = Avx.LoadVector256(src + 5 * lds);
        var r6 = Avx.LoadVector256(src + 6 * lds); var r7 = Avx.LoadVector256(src + 7 * lds);
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1), t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5), t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> s0 = Avx.Shuffle(t0, t2, 0x44), s1 = Avx.Shuffle(t0, t2, 0xEE), s2 = Avx.Shuffle(t1, t3, 0x44), s3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> s4 = Avx.Shuffle(t4, t6, 0x44), s5 = Avx.Shuffle(t4, t6, 0xEE), s6 = Avx.Shuffle(t5, t7, 0x44), s7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(dst, Avx.Permute2x128(s0, s4, 0x20));
        Avx.Store(dst + ldd, Avx.Permute2x128(s1, s5, 0x20));
        Avx.Store(dst + 2 * ldd, Avx.Permute2x128(s2, s6, 0x20));
        Avx.Store(dst + 3 * ldd, Avx.Permute2x128(s3, s7, 0x20));
        Avx.Store(dst + 4 * ldd, Avx.Permute2x128(s0, s4, 0x31));
        Avx.Store(dst + 5 * ldd, Avx.Permute2x128(s1, s5, 0x31));
        Avx.Store(dst + 6 * ldd, Avx.Permute2x128(s2, s6, 0x31));
        Avx.Store(dst + 7 * ldd, Avx.Permute2x128(s3, s7, 0x31));
    }

    /// <summary>
    /// C[mr x nr] (+)= A's MR rows * Bpanel, with MR x 2 vector accumulators held in registers (12 of the 16 ymm
    /// registers at AVX2). A's element (r, p) is at a[r * rowStride + p * depthStride]: a packed panel (1, MR) or
    /// rows of A in place (K, 1).
    /// </summary>
    private static void Kernel<TS, TV>(int kc, float* a, nint rowStride, nint depthStride, float* b, float* c, int ldc, int mr, int nr, bool overwrite) where TS : ISimdWidth<TV> where TV : struct
    {
        var w = TS.Width;
        nint r1 = rowStride, r2 = 2 * rowStride, r3 = 3 * rowStride, r4 = 4 * rowStride, r5 = 5 * rowStride;
        TV c00 = TS.Zero, c01 = TS.Zero, c10 = TS.Zero, c11 = TS.Zero, c20 = TS.Zero, c21 = TS.Zero;
        TV c30 = TS.Zero, c31 = TS.Zero, c40 = TS.Zero, c41 = TS.Zero, c50 = TS.Zero, c51 = TS.Zero;
        for (var p = 0; p < kc; p++)
        {
            var b0 = TS.Load(b);
            var b1 = TS.Load(b + w);
            var a0 = TS.Broadcast(a[0]); c00 = TS.MultiplyAdd(a0, b0, c00); c01 = TS.MultiplyAdd(a0, b1, c01);
            var a1 = TS.Broadcast(a[r1]); c10 = TS.MultiplyAdd(a1, b0, c10); c11 = TS.MultiplyAdd(a1, b1, c11);
            var a2 = TS.Broadcast(a[r2]); c20 = TS.MultiplyAdd(a2, b0, c20); c21 = TS.MultiplyAdd(a2, b1, c21);
            var a3 = TS.Broadcast(a[r3]); c30 = TS.MultiplyAdd(a3, b0, c30); c31 = TS.MultiplyAdd(a3, b1, c31);
            var a4 = TS.Broadcast(a[r4]); c40 = TS.MultiplyAdd(a4, b0, c40); c41 = TS.MultiplyAdd(a4, b1, c41);
            var a5 = TS.Broadcast(a[r5]); c50 = TS.MultiplyAdd(a5, b0, c50); c51 = TS.MultiplyAdd(a5, b1, c51);
            a += depthStride;
            b += 2 * w;
        }
        if (mr == MR && nr == 2 * w)
        {
            if (overwrite)
            {
                StoreRow<TS, TV>(c, w, c00, c01);
                StoreRow<TS, TV>(c + ldc, w, c10, c11);
                StoreRow<TS, TV>(c + 2 * ldc, w, c20, c21);
                StoreRow<TS, TV>(c + 3 * ldc, w, c30, c31);
                StoreRow<TS, TV>(c + 4 * ldc, w, c40, c41);
                StoreRow<TS, TV>(c + 5 * ldc, w, c50, c51);
                return;
            }
            AddRow<TS, TV>(c, w, c00, c01);
            AddRow<TS, TV>(c + ldc, w, c10, c11);
            AddRow<TS, TV>(c + 2 * ldc, w, c20, c21);
            AddRow<TS, TV>(c + 3 * ldc, w, c30, c31);
            AddRow<TS, TV>(c + 4 * ldc, w, c40, c41);
            AddRow<TS, TV>(c + 5 * ldc, w, c50, c51);
            return;
        }
        // An edge tile: spill to a scratch tile and write or add only the valid part.
        var tile = stackalloc float[MR * 32];
        var stride = 2 * w;
        TS.Store(c00, tile); TS.Store(c01, tile + w);
        TS.Store(c10, tile + stride); TS.Store(c11, tile + stride + w);
        TS.Store(c20, tile + 2 * stride); TS.Store(c21, tile + 2 * stride + w);
        TS.Store(c30, tile + 3 * stride); TS.Store(c31, tile + 3 * stride + w);
        TS.Store(c40, tile + 4 * stride); TS.Store(c41, tile + 4 * stride + w);
        TS.Store(c50, tile + 5 * stride); TS.Store(c51, tile + 5 * stride + w);
        for (var i = 0; i < mr; i++)
        for (var j = 0; j < nr; j++)
            c[i * ldc + j] = overwrite ? tile[i * stride + j] : c[i * ldc + j] + tile[i * stride + j];
    }

    private static void StoreRow<TS, TV>(float* c, int w, TV v0, TV v1) where TS : ISimdWidth<TV> where TV : struct
    {
        TS.Store(v0, c);
        TS.Store(v1, c + w);
    }

    private static void AddRow<TS, TV>(float* c, int w, TV v0, TV v1) where TS : ISimdWidth<TV> where TV : struct
    {
        TS.Store(TS.Add(TS.Load(c), v0), c);
        TS.Store(TS.Add(TS.Load(c + w), v1), c + w);
    }

    /// <summary>The scalar product: the reference path of CPUs without vector units (and of tests).</summary>
    private static void Naive(Job job)
    {
        new Span<float>(job.C, job.M * job.N).Clear();
        for (var i = 0; i < job.M; i++)
        for (var p = 0; p < job.K; p++)
        {
            var aip = job.AAt(i, p);
            for (var j = 0; j < job.N; j++) job.C[(long)i * job.N + j] += aip * job.BAt(p, j);
        }
    }
}
