using ActorGrad.Engine.Tensors;

namespace ActorGrad.Nodes.Ops;

/// <summary>
/// Ops whose composite form is unstable at the edges (made primitives with stable kernels and rules, following
/// PyTorch's derivatives.yaml), and the element-wise choices: clamp, maximum/minimum, where.
/// </summary>
public static partial class OpTable
{
    // d sigmoid(x) = g*y*(1-y);  t likewise. The composite 1/(1+exp(-x)) gave NaN at x = -100 (inf/inf).
    public static readonly OpDefinition Sigmoid = Unary("sigmoid", TensorOps.Sigmoid, new SigmoidRule());
    private sealed class SigmoidRule : IVjpRule, IJvpRule
    {
        public T Vjp<T>(IAlgebra<T> m, int i, in VjpArgs<T> a) => Slope(m, a.Grad, a.Result);
        public T Jvp<T>(IAlgebra<T> m, in JvpArgs<T> a) => Slope(m, a.Tangents[0]!, a.Result);
        private static T Slope<T>(IAlgebra<T> m, T v, T y) => m.Mul(m.Mul(v, y), m.AddScalar(m.Neg(y), 1f));
    }

    // d softplus(x) = g*sigmoid(x) (sigmoid rounds to 1 above softplus's threshold of 20, where PyTorch passes g);  t likewise
    public static readonly OpDefinition Softplus = Unary("softplus", TensorOps.Softplus, new SoftplusRule());
    private sealed class SoftplusRule : IVjpRule, IJvpRule
    {
        public T Vjp<T>(IAlgebra<T> m, int i, in VjpArgs<T> a) => m.Mul(a.Grad, m.Sigmoid(a.Inputs[0]));
        public T Jvp<T>(IAlgebra<T> m, in JvpArgs<T> a) => m.Mul(a.Tangents[0]!, m.Sigmoid(a.Inputs[0]));
    }

    // d log(sigmoid(x)) = g*sigmoid(-x);  t likewise
    public static readonly OpDefinition LogSigmoid = Unary("logsigmoid", TensorOps.LogSigmoid, new LogSigmoidRule());
    private sealed class LogSigmoidRule : IVjpRule, IJvpRule
    {
        public T Vjp<T>(IAlgebra<T> m, int i, in VjpArgs<T> a) => m.Mul(a.Grad, m.Sigmoid(m.Neg(a.Inputs[0])));
        public T Jvp<T>(IAlgebra<T> m, in JvpArgs<T> a) => m.Mul(a.Tangents[0]!, m.Sigmoid(m.Neg(a.Inputs[0])));
    }

    // d logsumexp(x, axes) = g*exp(x - y) (the softmax), g and y repeated over the reduced axes;  t = sum(tx*exp(x - y), axes)
    public static readonly OpDefinition LogSumExp = new("logsumexp", 1, ReducedShape("logsumexp"),
        (x, at) => TensorOps.LogSumExp(x[0], at.Axes, at.KeepDims), new LogSumExpRule(), new LogSumExpRule());
    private sealed class LogSumExpRule : IVjpRule, IJvpRule
    {
        public T Vjp<T>(IAlgebra<T> m, int i, in VjpArgs<T> a) =>
            m.Mul(m.Reshape(a.Grad, KeptShape(m.Shape(a.Inputs[0]), a.Attributes)), Softmax(m, a.Inputs[0], a.Result, a.Attributes));

        public T Jvp<T>(IAlgebra<T> m, in JvpArgs<T> a) =>
            m.Sum(m.Mul(a.Tangents[0]!, Softmax(m, a.Inputs[0], a.Result, a.Attributes)), a.Attributes.Axes, a.Attributes.KeepDims);

        private static T Softmax<T>(IAlgebra<T> m, T x, T y, OpAttributes at) =>
            m.Exp(m.Sub(x, m.Reshape(y, KeptShape(m.Shape(x), at))));
    }

    // d clamp(x, min, max) = g where min <= x <= max, else 0 (the bounds themselves pass g, as torch.clamp);  t likewise
    public static readonly OpDefinition Clamp = new("clamp", 1, ClampShape,
        (x, at) => TensorOps.Clamp(x[0], at.Min, at.Max), new ClampRule(), new ClampRule());
    private sealed class ClampRule : IVjpRule, IJvpRule
    {
        public T Vjp<T>(IAlgebra<T> m, int i, in VjpArgs<T> a) => Inside(m, a.Grad, a.Inputs[0], a.Attributes);
        public T Jvp<T>(IAlgebra<T> m, in JvpArgs<T> a) => Inside(m, a.Tangents[0]!, a.Inputs[0], a.Attributes);
        private static T Inside<T>(IAlgebra<T> m, T v, T x, OpAttributes at) =>
            m.Where(m.InRange(x, at.Min, at.Max), v, m.ZerosLike(v));
    }

    // d maximum(a, b) = g to the larger, g/2 to each where they tie (as torch.maximum);  t likewise. minimum mirrors it.
    public static readonly OpDefinition Maximum = Binary("maximum", TensorOps.Maximum, new ExtremeOfTwoRule(max: true));
    public static readonly OpDefinition Minimum = Binary("minimum", TensorOps.Minimum, new ExtremeOfTwoRule(max: false));
    private sealed class ExtremeOfTwoRule(bool max) : IVjpRule, IJvpRule
    {
        public T Vjp<T>(IAlgebra<T> m, int i, in VjpArgs<T> a) => m.Mul(a.Grad, Share(m, i, a.Inputs));
        public T Jvp<T>(IAlgebra<T> m, in JvpArgs<T> a) => Plus(m,
            a.Tangents[0] is { } ta ? m.Mul(ta, Share(m, 0, a.Inputs)) : default,
            a.Tangents[1] is { } tb ? m.Mul(tb, Share(m, 1, a.Inputs)) : default);

        /// <summary>Input i's share (a constant): 1 when it is chosen, 1/2 on a tie, 0 when the other is chosen (NaN: the input passes g).</summary>
        private T Share<T>(IAlgebra<T> m, int i, T[] x)
        {
            var beaten = max ? m.Step(m.Sub(x[1 - i], x[i])) : m.Step(m.Sub(x[i], x[1 - i]));
            return m.Sub(m.AddScalar(m.Neg(beaten), 1f), m.Scale(m.Equal(x[0], x[1]), 0.5f));
        }
    }

    // d where(c, a, b) = 0, where(c, g, 0), where(c, 0, g);  t = where(c, ta, tb)
    public static readonly OpDefinition Where = new("where", 3,
        (s, _) => Shapes.Broadcast(Shapes.Broadcast(s[0], s[1], "where"), s[2], "where"),
        (x, _) => TensorOps.Where(x[0], x[1], x[2]), new WhereRule(), new WhereRule());
    private sealed class WhereRule : IVjpRule, IJvpRule
    {
        public T Vjp<T>(IAlgebra<T> m, int i, in VjpArgs<T> a) => i switch
        {
            0 => m.ZerosLike(a.Inputs[0]),
            1 => m.Where(a.Inputs[0], a.Grad, m.ZerosLike(a.Grad)),
            _ => m.Where(a.Inputs[0], m.ZerosLike(a.Grad), a.Grad),
        };

        public T Jvp<T>(IAlgebra<T> m, in JvpArgs<T> a)
        {
            var zeros = m.ZerosLike(a.Result);
            return m.Where(a.Inputs[0], a.Tangents[1] ?? zeros, a.Tangents[2] ?? zeros);
        }
    }

    private static int[] ClampShape(int[][] s, OpAttributes at)
    {
        if (at.Min is { } lo && at.Max is { } hi && !(lo <= hi))
            throw new ArgumentException($"clamp: min {lo} must not be greater than max {hi}.");
        if (at.Min is null && at.Max is null) throw new ArgumentException("clamp: at least one of min and max is needed.");
        return s[0];
    }
}
