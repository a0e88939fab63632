using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ActorGrad.Engine.Tensors;

/// <summary>
/// exp, tanh, the logistic sigmoid (and relu's step, a select) over spans in float32 arithmetic at the width <see cref="KernelIsa"/> picks.
/// System.Numerics.Tensors 10's Exp and Tanh widen float32 to float64 for the last bit and ran at
/// 1-3 ns per element here (tanh over 2^20 floats: 1.3-2.9 ms, about half of eltwise_1M); these are
/// the Cephes single-precision approximations (about 1 ulp for exp, 2 for tanh) at a few instructions per lane.
/// NaN stays NaN, exp(+inf) = inf, exp(-inf) = 0, tanh(+-inf) = +-1.
/// </summary>
internal static unsafe class VectorMath
{
    public static void Exp(ReadOnlySpan<float> x, Span<float> d) => Run<ExpKernel>(x, d);
    public static void Tanh(ReadOnlySpan<float> x, Span<float> d) => Run<TanhKernel>(x, d);
    public static void Sigmoid(ReadOnlySpan<float> x, Span<float> d) => Run<SigmoidKernel>(x, d);
    /// <summary>relu's derivative, 1 where x &gt; 0 and 0 elsewhere (NaN included), as a vector select: the scalar loop's branch, taken at random on a layer's activations, mispredicted about half the time (0.87 ms of a 5.8 ms mlp_b256 step).</summary>
    public static void Step(ReadOnlySpan<float> x, Span<float> d) => Run<StepKernel>(x, d);

    /// <summary>
    /// tanh's backward g*(1 - y*y) from the gradient g and the value y = tanh(x), in one pass (the composite
    /// g - g*y*y was three, with two temporaries). Rounded as the composite was: (g*y)*y, then g minus it, no FMA.
    /// </summary>
    public static void TanhBackward(ReadOnlySpan<float> g, ReadOnlySpan<float> y, Span<float> d)
    {
        if (y.Length != g.Length || d.Length < g.Length) throw new ArgumentException("TanhBackward: the gradient, the value and the destination differ in length.");
        fixed (float* pg = g)
        fixed (float* py = y)
        fixed (float* pd = d)
        {
            switch (KernelIsa.Current)
            {
                case Isa.Vector512: TanhBackward<Simd512, Vector512<float>>(pg, py, pd, g.Length); break;
                case Isa.Vector256: TanhBackward<Simd256, Vector256<float>>(pg, py, pd, g.Length); break;
                case Isa.Vector128: TanhBackward<Simd128, Vector128<float>>(pg, py, pd, g.Length); break;
                default:
                    for (var i = 0; i < g.Length; i++) pd[i] = TanhBackward(pg[i], py[i]);
                    break;
            }
        }
    }

    public static float TanhBackward(float g, float y) => g - g * y * y;

    private static void TanhBackward<TS, TV>(float* g, float* y, float* d, int length) where TS : ISimdWidth<TV> where TV : struct
    {
        var w = TS.Width;
        var i = 0;
        for (; i <= length - w; i += w)
        {
            var gv = TS.Load(g + i);
            var yv = TS.Load(y + i);
            TS.Store(TS.Subtract(gv, TS.Multiply(TS.Multiply(gv, yv), yv)), d + i);
        }
        // The same arithmetic one lane at a time gives the same bits.
        for (; i < length; i++) d[i] = TanhBackward(g[i], y[i]);
    }

    /// <summary>1 / (1 + e^-x), as e^x / (1 + e^x) for negative x so tiny results keep their precision.</summary>
    public static float Sigmoid(float x)
    {
        var e = Exp(-MathF.Abs(x));
        var s = 1f / (1f + e);
        return x < 0 ? e * s : s;
    }

    /// <summary>The scalar path (and the reference the vector paths are tested against): the same approximation, one lane.</summary>
    public static float Exp(float x)
    {
        if (float.IsNaN(x)) return x;
        x = Math.Clamp(x, MinArgument, MaxArgument);
        var n = MathF.Round(x * Log2E);
        var r = MathF.FusedMultiplyAdd(n, -Ln2Hi, x);
        r = MathF.FusedMultiplyAdd(n, -Ln2Lo, r);
        var y = ExpPolynomial(r);
        var n1 = MathF.Round(n * 0.5f);
        return y * Pow2(n1) * Pow2(n - n1);
    }

    public static float Tanh(float x)
    {
        if (float.IsNaN(x)) return x;
        var ax = MathF.Abs(x);
        float t;
        if (ax < TanhSmall)
        {
            var z = ax * ax;
            t = MathF.FusedMultiplyAdd(TanhPolynomial(z) * z, ax, ax);
        }
        else t = 1f - 2f / (Exp(2f * ax) + 1f);
        return MathF.CopySign(t, x);
    }

    // exp(x) = 2^n * exp(r), n = round(x / ln 2), r = x - n ln 2 in [-ln2/2, ln2/2] (ln 2 in two parts for exactness).
    private const float Log2E = 1.44269504088896341f;
    private const float Ln2Hi = 0.693359375f;
    private const float Ln2Lo = -2.12194440e-4f;
    // Beyond these exp is inf or 0 in float32 (2^n is applied in two halves, so subnormal results come out right).
    private const float MaxArgument = 88.8f;
    private const float MinArgument = -104f;
    private const float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f, P3 = 4.1665795894e-2f, P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;
    // Below this |x|, tanh by its odd polynomial; above it 1 - 2 / (exp(2|x|) + 1) loses no precision.
    private const float TanhSmall = 0.625f;
    private const float T0 = -5.70498872745e-3f, T1 = 2.06390887954e-2f, T2 = -5.37397155531e-2f, T3 = 1.33314422036e-1f, T4 = -3.33332819422e-1f;

    private static float ExpPolynomial(float r)
    {
        var p = MathF.FusedMultiplyAdd(P0, r, P1);
        p = MathF.FusedMultiplyAdd(p, r, P2);
        p = MathF.FusedMultiplyAdd(p, r, P3);
        p = MathF.FusedMultiplyAdd(p, r, P4);
        p = MathF.FusedMultiplyAdd(p, r, P5);
        return MathF.FusedMultiplyAdd(p, r * r, r + 1f);
    }

    private static float TanhPolynomial(float z)
    {
        var p = MathF.FusedMultiplyAdd(T0, z, T1);
        p = MathF.FusedMultiplyAdd(p, z, T2);
        p = MathF.FusedMultiplyAdd(p, z, T3);
        return MathF.FusedMultiplyAdd(p, z, T4);
    }

    private static float Pow2(float n) => BitConverter.Int32BitsToSingle(((int)n + 127) << 23);

    /// <summary>
    /// e^r and n for an argument already clamped, exp(x) = e^r * 2^n: n = round(x / ln 2), r = x - n ln 2 in two steps,
    /// e^r by its polynomial. Exp and ExpOfNonNegative differ only in the clamp before and the scaling after.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (TV Y, TV N) ExpOfReduced<TS, TV>(TV clamped) where TS : ISimdWidth<TV> where TV : struct
    {
        // Round to nearest by the 1.5 * 2^23 trick: exact for |x / ln 2| < 2^22.
        var magic = TS.Broadcast(12582912f);
        var n = TS.Subtract(TS.MultiplyAdd(clamped, TS.Broadcast(Log2E), magic), magic);
        var r = TS.MultiplyAdd(n, TS.Broadcast(-Ln2Hi), clamped);
        r = TS.MultiplyAdd(n, TS.Broadcast(-Ln2Lo), r);
        var p = TS.MultiplyAdd(TS.Broadcast(P0), r, TS.Broadcast(P1));
        p = TS.MultiplyAdd(p, r, TS.Broadcast(P2));
        p = TS.MultiplyAdd(p, r, TS.Broadcast(P3));
        p = TS.MultiplyAdd(p, r, TS.Broadcast(P4));
        p = TS.MultiplyAdd(p, r, TS.Broadcast(P5));
        return (TS.MultiplyAdd(p, TS.Multiply(r, r), TS.Add(r, TS.Broadcast(1f))), n);
    }

    /// <summary>
    /// exp for x &gt;= 0 (tanh's e^(2|x|)), the same bits as <see cref="Exp{TS, TV}"/> with a third fewer instructions: no
    /// lower clamp, no NaN select (tanh's own keeps NaN) and 2^n in one step (n &lt;= 128: nothing is subnormal, and 2^128
    /// is inf, where tanh is 1 whichever huge value e is).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV ExpOfNonNegative<TS, TV>(TV x) where TS : ISimdWidth<TV> where TV : struct
    {
        var (y, n) = ExpOfReduced<TS, TV>(TS.Min(x, TS.Broadcast(MaxArgument)));
        return TS.Multiply(y, TS.Pow2(n));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Exp<TS, TV>(TV x) where TS : ISimdWidth<TV> where TV : struct
    {
        var (y, n) = ExpOfReduced<TS, TV>(TS.Min(TS.Max(x, TS.Broadcast(MinArgument)), TS.Broadcast(MaxArgument)));
        var magic = TS.Broadcast(12582912f);
        var n1 = TS.Subtract(TS.MultiplyAdd(n, TS.Broadcast(0.5f), magic), magic);
        return TS.KeepNaN(x, TS.Multiply(TS.Multiply(y, TS.Pow2(n1)), TS.Pow2(TS.Subtract(n, n1))));
    }

    private interface IKernel
    {
        static abstract float Scalar(float x);
        static abstract TV Vector<TS, TV>(TV x) where TS : ISimdWidth<TV> where TV : struct;
    }

    private readonly struct ExpKernel : IKernel
    {
        public static float Scalar(float x) => Exp(x);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TV Vector<TS, TV>(TV x) where TS : ISimdWidth<TV> where TV : struct => Exp<TS, TV>(x);
    }

    private readonly struct TanhKernel : IKernel
    {
        public static float Scalar(float x) => Tanh(x);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TV Vector<TS, TV>(TV x) where TS : ISimdWidth<TV> where TV : struct
        {
            var ax = TS.Abs(x);
            var z = TS.Multiply(ax, ax);
            var p = TS.MultiplyAdd(TS.Broadcast(T0), z, TS.Broadcast(T1));
            p = TS.MultiplyAdd(p, z, TS.Broadcast(T2));
            p = TS.MultiplyAdd(p, z, TS.Broadcast(T3));
            p = TS.MultiplyAdd(p, z, TS.Broadcast(T4));
            var small = TS.MultiplyAdd(TS.Multiply(p, z), ax, ax);
            var one = TS.Broadcast(1f);
            var e = ExpOfNonNegative<TS, TV>(TS.Add(ax, ax));
            var large = TS.Subtract(one, TS.Divide(TS.Broadcast(2f), TS.Add(e, one)));
            return TS.KeepNaN(x, TS.CopySign(TS.SelectLess(ax, TS.Broadcast(TanhSmall), small, large), x));
        }
    }

    private readonly struct SigmoidKernel : IKernel
    {
        public static float Scalar(float x) => Sigmoid(x);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TV Vector<TS, TV>(TV x) where TS : ISimdWidth<TV> where TV : struct
        {
            var one = TS.Broadcast(1f);
            var e = Exp<TS, TV>(TS.Subtract(TS.Zero, TS.Abs(x)));
            var s = TS.Divide(one, TS.Add(one, e));
            return TS.KeepNaN(x, TS.SelectLess(x, TS.Zero, TS.Multiply(e, s), s));
        }
    }

    private readonly struct StepKernel : IKernel
    {
        public static float Scalar(float x) => x > 0 ? 1f : 0f;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TV Vector<TS, TV>(TV x) where TS : ISimdWidth<TV> where TV : struct => TS.SelectLess(TS.Zero, x, TS.Broadcast(1f), TS.Zero);
    }

    private static void Run<TK>(ReadOnlySpan<float> x, Span<float> d) where TK : IKernel
    {
        if (d.Length < x.Length) throw new ArgumentException("The destination is shorter than the source.", nameof(d));
        fixed (float* px = x)
        fixed (float* pd = d)
        {
            switch (KernelIsa.Current)
            {
                case Isa.Vector512: Run<TK, Simd512, Vector512<float>>(px, pd, x.Length); break;
                case Isa.Vector256: Run<TK, Simd256, Vector256<float>>(px, pd, x.Length); break;
                case Isa.Vector128: Run<TK, Simd128, Vector128<float>>(px, pd, x.Length); break;
                default:
                    for (var i = 0; i < x.Length; i++) pd[i] = TK.Scalar(px[i]);
                    break;
            }
        }
    }

    private static void Run<TK, TS, TV>(float* x, float* d, int length) where TK : IKernel where TS : ISimdWidth<TV> where TV : struct
    {
        var w = TS.Width;
        var i = 0;
        for (; i <= length - w; i += w) TS.Store(TK.Vector<TS, TV>(TS.Load(x + i)), d + i);
        if (i == length) return;
        // The tail through one padded vector, so every element gets the vector path's result.
        var tail = stackalloc float[16];
        var rest = length - i;
        for (var j = 0; j < rest; j++) tail[j] = x[i + j];
        TS.Store(TK.Vector<TS, TV>(TS.Load(tail)), tail);
        for (var j = 0; j < rest; j++) d[i + j] = tail[j];
    }
}
