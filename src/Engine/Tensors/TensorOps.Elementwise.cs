using System.Numerics.Tensors;

namespace ActorGrad.Engine.Tensors;

/// <summary>The tensor core's ops. Every op returns a new tensor that the caller owns.</summary>
public static partial class TensorOps
{
    public static Tensor Add(Tensor a, Tensor b) => ElementwiseDriver.Binary<AddOp>(a, b, nameof(Add));
    public static Tensor Sub(Tensor a, Tensor b) => ElementwiseDriver.Binary<SubOp>(a, b, nameof(Sub));
    public static Tensor Mul(Tensor a, Tensor b) => ElementwiseDriver.Binary<MulOp>(a, b, nameof(Mul));
    public static Tensor Div(Tensor a, Tensor b) => ElementwiseDriver.Binary<DivOp>(a, b, nameof(Div));
    public static Tensor Pow(Tensor a, Tensor b) => ElementwiseDriver.Binary<PowOp>(a, b, nameof(Pow));
    public static Tensor Maximum(Tensor a, Tensor b) => ElementwiseDriver.Binary<MaxOp>(a, b, nameof(Maximum));
    public static Tensor Minimum(Tensor a, Tensor b) => ElementwiseDriver.Binary<MinOp>(a, b, nameof(Minimum));
    public static Tensor Greater(Tensor a, Tensor b) => ElementwiseDriver.Binary<GreaterOp>(a, b, nameof(Greater));
    public static Tensor GreaterEqual(Tensor a, Tensor b) => ElementwiseDriver.Binary<GreaterEqualOp>(a, b, nameof(GreaterEqual));
    public static Tensor Less(Tensor a, Tensor b) => ElementwiseDriver.Binary<LessOp>(a, b, nameof(Less));
    public static Tensor LessEqual(Tensor a, Tensor b) => ElementwiseDriver.Binary<LessEqualOp>(a, b, nameof(LessEqual));
    public static Tensor Equal(Tensor a, Tensor b) => ElementwiseDriver.Binary<EqualOp>(a, b, nameof(Equal));

    public static Tensor Add(Tensor a, float b) => WithScalar<AddOp>(a, b);
    public static Tensor Sub(Tensor a, float b) => WithScalar<SubOp>(a, b);
    public static Tensor Mul(Tensor a, float b) => WithScalar<MulOp>(a, b);
    public static Tensor Div(Tensor a, float b) => WithScalar<DivOp>(a, b);
    public static Tensor Pow(Tensor a, float b) => WithScalar<PowOp>(a, b);
    public static Tensor Sub(float a, Tensor b) => ScalarWith<SubOp>(a, b);
    public static Tensor Div(float a, Tensor b) => ScalarWith<DivOp>(a, b);
    public static Tensor Pow(float a, Tensor b) => ScalarWith<PowOp>(a, b);

    public static Tensor Neg(Tensor x) => ElementwiseDriver.Unary<NegOp>(x);
    public static Tensor Exp(Tensor x) => ElementwiseDriver.Unary<ExpOp>(x);
    public static Tensor Log(Tensor x) => ElementwiseDriver.Unary<LogOp>(x);
    public static Tensor Sin(Tensor x) => ElementwiseDriver.Unary<SinOp>(x);
    public static Tensor Cos(Tensor x) => ElementwiseDriver.Unary<CosOp>(x);
    public static Tensor Tanh(Tensor x) => ElementwiseDriver.Unary<TanhOp>(x);
    /// <summary>tanh's backward, g*(1 - y*y) for the gradient g and the value y = tanh(x) (broadcasting as Mul), in one pass.</summary>
    public static Tensor TanhBackward(Tensor g, Tensor y) => ElementwiseDriver.Binary<TanhBackwardOp>(g, y, nameof(TanhBackward));
    public static Tensor Sigmoid(Tensor x) => ElementwiseDriver.Unary<SigmoidOp>(x);
    public static Tensor Sqrt(Tensor x) => ElementwiseDriver.Unary<SqrtOp>(x);
    public static Tensor Abs(Tensor x) => ElementwiseDriver.Unary<AbsOp>(x);
    public static Tensor Relu(Tensor x) => ElementwiseDriver.Unary<ReluOp>(x);
    public static Tensor Square(Tensor x) => ElementwiseDriver.Unary<SquareOp>(x);
    public static Tensor Reciprocal(Tensor x) => ElementwiseDriver.Unary<ReciprocalOp>(x);
    public static Tensor Sign(Tensor x) => ElementwiseDriver.Unary<SignOp>(x);
    /// <summary>1 where x &gt; 0, else 0: the derivative of relu.</summary>
    public static Tensor Step(Tensor x) => ElementwiseDriver.Unary<StepOp>(x);

    /// <summary>cond != 0 ? a : b, all three broadcast together.</summary>
    public static Tensor Where(Tensor condition, Tensor a, Tensor b)
    {
        var shape = Shapes.Broadcast(Shapes.Broadcast(condition.Shape, a.Shape, nameof(Where)), b.Shape, nameof(Where));
        using var c = BroadcastTo(condition, shape);
        using var x = BroadcastTo(a, shape);
        using var y = BroadcastTo(b, shape);
        var result = Tensor.Allocate(shape);
        var cs = c.Span; var xs = x.Span; var ys = y.Span; var d = result.Span;
        for (var i = 0; i < d.Length; i++) d[i] = cs[i] != 0 ? xs[i] : ys[i];
        return result;
    }

    /// <summary>target += source, where source broadcasts to target's shape. Used to accumulate gradients.</summary>
    public static void AddInPlace(Tensor target, Tensor source)
    {
        ThrowIfReadOnly(target, nameof(AddInPlace));
        if (!Shapes.BroadcastsTo(source.Shape, target.Shape))
            throw new ArgumentException($"{nameof(AddInPlace)}: shape {Shapes.Format(source.Shape)} cannot be added into {Shapes.Format(target.Shape)}.");
        ElementwiseDriver.BinaryInto<AddOp>(target, source, target);
    }

    // target = op(target, source) where source broadcasts to target's shape: a backward step writes its result
    // into a gradient nobody reads again instead of a fresh array (one 4 MiB destination less to pull into the cache).
    public static void MulInPlace(Tensor target, Tensor source) => InPlace<MulOp>(target, source, nameof(MulInPlace));
    public static void DivInPlace(Tensor target, Tensor source) => InPlace<DivOp>(target, source, nameof(DivInPlace));
    public static void TanhBackwardInPlace(Tensor g, Tensor y) => InPlace<TanhBackwardOp>(g, y, nameof(TanhBackwardInPlace));
    public static void NegInPlace(Tensor target)
    {
        ThrowIfReadOnly(target, nameof(NegInPlace));
        ElementwiseDriver.UnaryInto<NegOp>(target.Data, target.Data, target.Length);
    }

    private static void InPlace<TOp>(Tensor target, Tensor source, string op) where TOp : IBinaryOperator<TOp>
    {
        ThrowIfReadOnly(target, op);
        if (!Shapes.BroadcastsTo(source.Shape, target.Shape))
            throw new ArgumentException($"{op}: shape {Shapes.Format(source.Shape)} cannot be applied into {Shapes.Format(target.Shape)}.");
        ElementwiseDriver.BinaryInto<TOp>(target, source, target);
    }

    /// <summary>target += alpha * source, same shapes (an SGD step is AddScaledInPlace(w, grad, -lr)).</summary>
    public static void AddScaledInPlace(Tensor target, Tensor source, float alpha)
    {
        ThrowIfReadOnly(target, nameof(AddScaledInPlace));
        if (!target.ShapeEquals(source.Shape))
            throw new ArgumentException($"{nameof(AddScaledInPlace)}: shapes {Shapes.Format(target.Shape)} and {Shapes.Format(source.Shape)} differ.");
        TensorPrimitives.MultiplyAdd(source.Span, alpha, target.Span, target.Span);
    }

    /// <summary>Overwrites target with source's values (same shape).</summary>
    public static void CopyInto(Tensor target, Tensor source)
    {
        ThrowIfReadOnly(target, nameof(CopyInto));
        if (!target.ShapeEquals(source.Shape))
            throw new ArgumentException($"{nameof(CopyInto)}: shapes {Shapes.Format(target.Shape)} and {Shapes.Format(source.Shape)} differ.");
        source.Span.CopyTo(target.Span);
    }

    // A deferred op may still read a read-only tensor later: writing into it would change a value already computed.
    private static void ThrowIfReadOnly(Tensor target, string op)
    {
        if (target.IsReadOnly) throw new InvalidOperationException($"{op}: the target is read-only (a computed value that deferred ops may still read, or a view of a caller's tensor); write into a copy.");
    }

    private static Tensor WithScalar<TOp>(Tensor a, float b) where TOp : IBinaryOperator<TOp> => ElementwiseDriver.ScalarRight<TOp>(a, b);

    private static Tensor ScalarWith<TOp>(float a, Tensor b) where TOp : IBinaryOperator<TOp> => ElementwiseDriver.ScalarLeft<TOp>(a, b);
}
