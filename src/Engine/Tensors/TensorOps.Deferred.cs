namespace ActorGrad.Engine.Tensors;

public static partial class TensorOps
{
    /// <summary>
    /// The element-wise ops whose result may be deferred: computed when first read, in one pass with the deferred
    /// ops it reads and with those that read it (see <see cref="Tensor.IsDeferred"/>). An op is deferred when its
    /// tensor operands are deferred or read-only (<see cref="Tensor.MarkReadOnly"/>), of the result's shape or
    /// scalars, and at least <see cref="DeferThreshold"/> long; otherwise it is computed now, as the op in <see cref="TensorOps"/>.
    /// </summary>
    public static class Deferred
    {
        public const int DeferThreshold = ElementwiseDriver.DeferThreshold;

        public static Tensor Add(Tensor a, Tensor b) => ElementwiseDriver.Binary<AddOp>(a, b, nameof(Add), defer: true);
        public static Tensor Sub(Tensor a, Tensor b) => ElementwiseDriver.Binary<SubOp>(a, b, nameof(Sub), defer: true);
        public static Tensor Mul(Tensor a, Tensor b) => ElementwiseDriver.Binary<MulOp>(a, b, nameof(Mul), defer: true);
        public static Tensor Div(Tensor a, Tensor b) => ElementwiseDriver.Binary<DivOp>(a, b, nameof(Div), defer: true);
        public static Tensor Mul(Tensor a, float b) => ElementwiseDriver.ScalarRight<MulOp>(a, b, defer: true);
        public static Tensor Add(Tensor a, float b) => ElementwiseDriver.ScalarRight<AddOp>(a, b, defer: true);
        public static Tensor Sub(Tensor a, float b) => ElementwiseDriver.ScalarRight<SubOp>(a, b, defer: true);
        public static Tensor Div(Tensor a, float b) => ElementwiseDriver.ScalarRight<DivOp>(a, b, defer: true);
        /// <summary>tanh's backward g*(1 - y*y), as <see cref="TensorOps.TanhBackward"/>.</summary>
        public static Tensor TanhBackward(Tensor g, Tensor y) => ElementwiseDriver.Binary<TanhBackwardOp>(g, y, nameof(TanhBackward), defer: true);
        public static Tensor Neg(Tensor x) => ElementwiseDriver.Unary<NegOp>(x, defer: true);
        public static Tensor Exp(Tensor x) => ElementwiseDriver.Unary<ExpOp>(x, defer: true);
        public static Tensor Log(Tensor x) => ElementwiseDriver.Unary<LogOp>(x, defer: true);
        public static Tensor Sin(Tensor x) => ElementwiseDriver.Unary<SinOp>(x, defer: true);
        public static Tensor Cos(Tensor x) => ElementwiseDriver.Unary<CosOp>(x, defer: true);
        public static Tensor Tanh(Tensor x) => ElementwiseDriver.Unary<TanhOp>(x, defer: true);
        public static Tensor Sqrt(Tensor x) => ElementwiseDriver.Unary<SqrtOp>(x, defer: true);
        public static Tensor Abs(Tensor x) => ElementwiseDriver.Unary<AbsOp>(x, defer: true);
        /// <summary>
        /// <paramref name="x"/> broadcast to <paramref name="shape"/>, as <see cref="TensorOps.BroadcastTo"/>; a one-element x to a
        /// large shape is deferred (a sum's backward: the ops that read it see a constant, no array of it is written).
        /// </summary>
        public static Tensor BroadcastTo(Tensor x, int[] shape)
        {
            var length = Shapes.ElementCount(shape);
            if (x.Length != 1 || length < DeferThreshold || !Shapes.BroadcastsTo(x.Shape, shape)) return TensorOps.BroadcastTo(x, shape);
            return new Tensor(shape.AsSpan().ToArray(), new FillRecipe(x.Data[0] + 0f)); // + 0 as the copy adds it: -0 gives +0
        }

        public static Tensor Relu(Tensor x) => ElementwiseDriver.Unary<ReluOp>(x, defer: true);
    }
}
