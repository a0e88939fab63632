using System.Numerics.Tensors;

namespace ActorGrad.Engine.Tensors;

/// <summary>An element-wise unary op: a scalar form, and a span form that defaults to a loop.</summary>
internal interface IUnaryOperator<TSelf> where TSelf : IUnaryOperator<TSelf>
{
    static abstract float Invoke(float x);

    static virtual void Invoke(ReadOnlySpan<float> x, Span<float> d)
    {
        for (var i = 0; i < x.Length; i++) d[i] = TSelf.Invoke(x[i]);
    }
}

/// <summary>An element-wise binary op: scalar form, span-span, span-scalar and scalar-span forms.</summary>
internal interface IBinaryOperator<TSelf> where TSelf : IBinaryOperator<TSelf>
{
    static abstract float Invoke(float x, float y);

    static virtual void Invoke(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d)
    {
        for (var i = 0; i < x.Length; i++) d[i] = TSelf.Invoke(x[i], y[i]);
    }

    static virtual void Invoke(ReadOnlySpan<float> x, float y, Span<float> d)
    {
        for (var i = 0; i < x.Length; i++) d[i] = TSelf.Invoke(x[i], y);
    }

    static virtual void Invoke(float x, ReadOnlySpan<float> y, Span<float> d)
    {
        for (var i = 0; i < y.Length; i++) d[i] = TSelf.Invoke(x, y[i]);
    }
}

// Unary operators: TensorPrimitives where it has the op (SIMD), a loop where it does not.
internal readonly struct NegOp : IUnaryOperator<NegOp>
{
    public static float Invoke(float x) => -x;
    public static void Invoke(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Negate(x, d);
}
internal readonly struct ExpOp : IUnaryOperator<ExpOp>
{
    public static float Invoke(float x) => VectorMath.Exp(x);
    public static void Invoke(ReadOnlySpan<float> x, Span<float> d) => VectorMath.Exp(x, d);
}
internal readonly struct LogOp : IUnaryOperator<LogOp>
{
    public static float Invoke(float x) => MathF.Log(x);
    public static void Invoke(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Log(x, d);
}
internal readonly struct SinOp : IUnaryOperator<SinOp>
{
    public static float Invoke(float x) => MathF.Sin(x);
    public static void Invoke(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Sin(x, d);
}
internal readonly struct CosOp : IUnaryOperator<CosOp>
{
    public static float Invoke(float x) => MathF.Cos(x);
    public static void Invoke(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Cos(x, d);
}
internal readonly struct TanhOp : IUnaryOperator<TanhOp>
{
    public static float Invoke(float x) => VectorMath.Tanh(x);
    public static void Invoke(ReadOnlySpan<float> x, Span<float> d) => VectorMath.Tanh(x, d);
}
internal readonly struct SigmoidOp : IUnaryOperator<SigmoidOp>
{
    public static float Invoke(float x) => VectorMath.Sigmoid(x);
    public static void Invoke(ReadOnlySpan<float> x, Span<float> d) => VectorMath.Sigmoid(x, d);
}
internal readonly struct SqrtOp : IUnaryOperator<SqrtOp>
{
    public static float Invoke(float x) => MathF.Sqrt(x);
    public static void Invoke(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Sqrt(x, d);
}
internal readonly struct AbsOp : IUnaryOperator<AbsOp>
{
    public static float Invoke(float x) => MathF.Abs(x);
    public static void Invoke(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Abs(x, d);
}
internal readonly struct ReluOp : IUnaryOperator<ReluOp>
{
    // NaN stays NaN, as in PyTorch.
    public static float Invoke(float x) => float.IsNaN(x) ? x : x > 0 ? x : 0f;
    public static void Invoke(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Max(x, 0f, d);
}
internal readonly struct SquareOp : IUnaryOperator<SquareOp>
{
    public static float Invoke(float x) => x * x;
    public static void Invoke(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Multiply(x, x, d);
}
internal readonly struct ReciprocalOp : IUnaryOperator<ReciprocalOp>
{
    public static float Invoke(float x) => 1f / x;
    public static void Invoke(ReadOnlySpan<float> x, Span<float> d) => TensorPrimitives.Divide(1f, x, d);
}
internal readonly struct SignOp : IUnaryOperator<SignOp>
{
    public static float Invoke(float x) => float.IsNaN(x) ? x : x > 0 ? 1f : x < 0 ? -1f : 0f;
}
internal readonly struct StepOp : IUnaryOperator<StepOp>
{
    // The derivative of relu: 1 where x > 0, else 0.
    public static float Invoke(float x) => x > 0 ? 1f : 0f;
    public static void Invoke(ReadOnlySpan<float> x, Span<float> d) => VectorMath.Step(x, d);
}

// Binary operators.
internal readonly struct AddOp : IBinaryOperator<AddOp>
{
    public static float Invoke(float x, float y) => x + y;
    public static void Invoke(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Add(x, y, d);
    public static void Invoke(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Add(x, y, d);
    public static void Invoke(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Add(y, x, d);
}
internal readonly struct SubOp : IBinaryOperator<SubOp>
{
    public static float Invoke(float x, float y) => x - y;
    public static void Invoke(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Subtract(x, y, d);
    public static void Invoke(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Subtract(x, y, d);
    public static void Invoke(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Subtract(x, y, d);
}
/// <summary>g*(1 - y*y) for the gradient g and y = tanh(x): tanh's backward in one pass.</summary>
internal readonly struct TanhBackwardOp : IBinaryOperator<TanhBackwardOp>
{
    public static float Invoke(float g, float y) => VectorMath.TanhBackward(g, y);
    public static void Invoke(ReadOnlySpan<float> g, ReadOnlySpan<float> y, Span<float> d) => VectorMath.TanhBackward(g, y, d);
}
internal readonly struct MulOp : IBinaryOperator<MulOp>
{
    public static float Invoke(float x, float y) => x * y;
    public static void Invoke(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Multiply(x, y, d);
    public static void Invoke(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Multiply(x, y, d);
    public static void Invoke(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Multiply(y, x, d);
}
internal readonly struct DivOp : IBinaryOperator<DivOp>
{
    public static float Invoke(float x, float y) => x / y;
    public static void Invoke(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Divide(x, y, d);
    public static void Invoke(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Divide(x, y, d);
    public static void Invoke(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Divide(x, y, d);
}
internal readonly struct PowOp : IBinaryOperator<PowOp>
{
    public static float Invoke(float x, float y) => MathF.Pow(x, y);
    public static void Invoke(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Pow(x, y, d);
    // x^0.5 is sqrt(x) and x^-0.5 is 1/sqrt(x), as PyTorch computes them (IEEE 754's pow differs at the edges:
    // pow(-inf, 0.5) = +inf where sqrt gives NaN, pow(-0, -0.5) = +inf where 1/sqrt(-0) = -inf).
    public static void Invoke(ReadOnlySpan<float> x, float y, Span<float> d)
    {
        if (y == 0.5f) TensorPrimitives.Sqrt(x, d);
        else if (y == -0.5f)
        {
            TensorPrimitives.Sqrt(x, d);
            TensorPrimitives.Divide(1f, d, d);
        }
        else TensorPrimitives.Pow(x, y, d);
    }
    public static void Invoke(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Pow(x, y, d);
}
internal readonly struct MaxOp : IBinaryOperator<MaxOp>
{
    // IEEE 754:2019 maximum: NaN propagates, as torch.maximum does.
    public static float Invoke(float x, float y) => float.IsNaN(x) || float.IsNaN(y) ? float.NaN : Math.Max(x, y);
    public static void Invoke(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Max(x, y, d);
    public static void Invoke(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Max(x, y, d);
    public static void Invoke(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Max(y, x, d);
}
internal readonly struct MinOp : IBinaryOperator<MinOp>
{
    public static float Invoke(float x, float y) => float.IsNaN(x) || float.IsNaN(y) ? float.NaN : Math.Min(x, y);
    public static void Invoke(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Min(x, y, d);
    public static void Invoke(ReadOnlySpan<float> x, float y, Span<float> d) => TensorPrimitives.Min(x, y, d);
    public static void Invoke(float x, ReadOnlySpan<float> y, Span<float> d) => TensorPrimitives.Min(y, x, d);
}
internal readonly struct GreaterOp : IBinaryOperator<GreaterOp> { public static float Invoke(float x, float y) => x > y ? 1f : 0f; }
internal readonly struct GreaterEqualOp : IBinaryOperator<GreaterEqualOp> { public static float Invoke(float x, float y) => x >= y ? 1f : 0f; }
internal readonly struct LessOp : IBinaryOperator<LessOp> { public static float Invoke(float x, float y) => x < y ? 1f : 0f; }
internal readonly struct LessEqualOp : IBinaryOperator<LessEqualOp> { public static float Invoke(float x, float y) => x <= y ? 1f : 0f; }
internal readonly struct EqualOp : IBinaryOperator<EqualOp> { public static float Invoke(float x, float y) => x == y ? 1f : 0f; }
