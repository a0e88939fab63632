namespace ActorGrad.Engine.Tensors;

/// <summary>Kernels whose naive composite form overflows at the edges, written as PyTorch's CPU kernels are.</summary>
public static partial class TensorOps
{
    /// <summary>log(1 + exp(x)); x itself above 20, as torch.nn.functional.softplus (beta 1, threshold 20).</summary>
    public static Tensor Softplus(Tensor x) => ElementwiseDriver.Unary<SoftplusOp>(x);

    /// <summary>log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)): finite for every finite x.</summary>
    public static Tensor LogSigmoid(Tensor x) => ElementwiseDriver.Unary<LogSigmoidOp>(x);

    /// <summary>log(sum(exp(x))) over <paramref name="axes"/> (all when null), shifted by the maximum so it neither overflows nor underflows.</summary>
    public static Tensor LogSumExp(Tensor x, int[]? axes = null, bool keepDims = false)
    {
        var normalized = Shapes.NormalizeAxes(axes, x.Rank, nameof(LogSumExp));
        using var max = Max(x, normalized, keepDims: true);
        // An infinite maximum shifts by 0 instead (as torch.logsumexp): inf - inf would be NaN.
        var shift = max.Span;
        for (var i = 0; i < shift.Length; i++) if (float.IsInfinity(shift[i])) shift[i] = 0f;
        using var shifted = Sub(x, max);
        using var exp = Exp(shifted);
        using var sum = Sum(exp, normalized, keepDims: true);
        using var log = Log(sum);
        using var result = Add(log, max);
        return Reshape(result, Shapes.Reduced(x.Shape, normalized, keepDims));
    }

    /// <summary>x limited to [min, max] (either bound may be absent); NaN stays NaN, as torch.clamp.</summary>
    public static Tensor Clamp(Tensor x, float? min, float? max)
    {
        if (min is { } lo && max is { } hi && lo > hi)
            throw new ArgumentException($"{nameof(Clamp)}: min {lo} is greater than max {hi}.");
        var result = Tensor.Allocate(x.Shape.AsSpan().ToArray());
        var s = x.Span;
        var d = result.Span;
        float low = min ?? float.NegativeInfinity, high = max ?? float.PositiveInfinity;
        for (var i = 0; i < s.Length; i++) d[i] = float.IsNaN(s[i]) ? s[i] : Math.Min(Math.Max(s[i], low), high);
        return result;
    }

    /// <summary>1 where min &lt;= x &lt;= max (NaN is in no range), else 0: where clamp passes its gradient.</summary>
    public static Tensor InRange(Tensor x, float? min, float? max)
    {
        var result = Tensor.Allocate(x.Shape.AsSpan().ToArray());
        var s = x.Span;
        var d = result.Span;
        float low = min ?? float.NegativeInfinity, high = max ?? float.PositiveInfinity;
        for (var i = 0; i < s.Length; i++) d[i] = s[i] >= low && s[i] <= high ? 1f : 0f;
        return result;
    }

    /// <summary>log(1 + x), exact for tiny x (float.LogP1 computes log(x + 1), which rounds tiny x away).</summary>
    internal static float Log1P(float x)
    {
        double d = x;
        if (Math.Abs(d) < 1e-4) return (float)(d * (1 - d * (0.5 - d / 3)));
        return (float)Math.Log(1 + d);
    }
}

internal readonly struct SoftplusOp : IUnaryOperator<SoftplusOp>
{
    public static float Invoke(float x) => x > 20f ? x : TensorOps.Log1P(MathF.Exp(x));
}

internal readonly struct LogSigmoidOp : IUnaryOperator<LogSigmoidOp>
{
    public static float Invoke(float x) => Math.Min(x, 0f) - TensorOps.Log1P(MathF.Exp(-Math.Abs(x)));
}
