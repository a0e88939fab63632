using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using ActorGrad.Engine.Tensors;

namespace ActorGrad.Nodes.Ops;

/// <summary>
/// Every primitive op, each with its shape rule, its forward kernel, its VJP rules and its JVP rule
/// side by side (as PyTorch's derivatives.yaml), one rule class per op implementing both modes. Rules return gradients in the broadcast shape; the engine sums
/// them back to each input's shape in one place. Composite ops live in <see cref="Composites"/> and
/// carry no gradient code.
/// </summary>
public static partial class OpTable
{
    private static int[] Same(int[][] s, OpAttributes _) => s[0];
    private static Func<int[][], OpAttributes, int[]> Broadcast(string name) => (s, _) => Shapes.Broadcast(s[0], s[1], name);

    private static OpDefinition Binary<TRule>(string name, Func<Tensor, Tensor, Tensor> kernel, TRule rule, bool elementwise = false)
        where TRule : IVjpRule, IJvpRule =>
        new(name, 2, Broadcast(name), (x, _) => kernel(x[0], x[1]), rule, rule, elementwise);

    private static OpDefinition Unary<TRule>(string name, Func<Tensor, Tensor> kernel, TRule rule, bool elementwise = false)
        where TRule : IVjpRule, IJvpRule =>
        new(name, 1, Same, (x, _) => kernel(x[0]), rule, rule, elementwise);

    // The element-wise ops' kernels may defer their result (see OpDefinition.Elementwise).
    private static OpDefinition Elementwise<TRule>(string name, Func<Tensor, Tensor, Tensor> deferringKernel, TRule rule)
        where TRule : IVjpRule, IJvpRule => Binary(name, deferringKernel, rule, elementwise: true);

    private static OpDefinition Elementwise<TRule>(string name, Func<Tensor, Tensor> deferringKernel, TRule rule)
        where TRule : IVjpRule, IJvpRule => Unary(name, deferringKernel, rule, elementwise: true);

    /// <summary>The sum of the terms that are present (a JVP's term for a constant input is null).</summary>
    private static T Plus<T>(IAlgebra<T> m, T? a, T? b) =>
        a is null ? b! : b is null ? a : m.Add(a, b);

    // d(a+b) = g, g;  t = ta + tb
    public static readonly OpDefinition Add = Elementwise("add", TensorOps.Deferred.Add, new AddRule());
    private sealed class AddRule : IVjpRule, IJvpRule
    {
        public bool ReadsResult(int gradientFor) => false;
        public bool ReadsInput(int input, int gradientFor) => false;
        public T Vjp<T>(IAlgebra<T> m, int i, in VjpArgs<T> a) => a.Grad;
        public T Jvp<T>(IAlgebra<T> m, in JvpArgs<T> a) => Plus(m, a.Tangents[0], a.Tangents[1]);
    }

    // d(a-b) = g, -g;  t = ta - tb
    public static readonly OpDefinition Sub = Elementwise("sub", TensorOps.Deferred.Sub, new SubRule());
    private sealed class SubRule : IVjpRule, IJvpRule
    {
        public bool ReadsResult(int gradientFor) => false;
        public bool ReadsInput(int input, int gradientFor) => false;
        public T Vjp<T>(IAlgebra<T> m, int i, in VjpArgs<T> a) => i == 0 ? a.Grad : m.Neg(a.Grad);
        public T Jvp<T>(IAlgebra<T> m, in JvpArgs<T> a) =>
            a.Tangents[1] is not { } tb ? a.Tangents[0]! : a.Tangents[0] is { } ta ? m.Sub(ta, tb) : m.Neg(tb);
    }

    // d(a*b) = g*b, g*a;  t = ta*b + a*tb
    public static readonly OpDefinition Mul = Elementwise("mul", TensorOps.Deferred.Mul, new MulRule());
    private sealed class MulRule : IVjpRule, IJvpRule
    {
        public bool ReadsGradientOnce => true;
        public bool ReadsResult(int gradientFor) => false;
        public bool ReadsInput(int input, int gradientFor) => input != gradientFor;
        public T Vjp<T>(IAlgebra<T> m, int i, in VjpArgs<T> a) => m.Mul(a.Grad, a.Inputs[1 - i]);
        public T Jvp<T>(IAlgebra<T> m, in JvpArgs<T> a) => Plus(m,
            a.Tangents[0] is { } ta ? m.Mul(ta, a.Inputs[1]) : default,
            a.Tangents[1] is { } tb ? m.Mul(a.Inputs[0], tb) : default);
    }

    // d(a/b) = g/b, -g*(a/b)/b;  t = (ta - tb*(a/b))/b
    public static readonly OpDefinition Div = Elementwise("div", TensorOps.Deferred.Div, new DivRule());
    private sealed class DivRule : IVjpRule, IJvpRule
    {
        public bool ReadsResult(int gradientFor) => gradientFor == 1;
        public bool ReadsInput(int input, int gradientFor) => input == 1;
        public T Vjp<T>(IAlgebra<T> m, int i, in VjpArgs<T> a) =>
            i == 0 ? m.Div(a.Grad, a.Inputs[1]) : m.Neg(m.Div(m.Mul(a.Grad, a.Result), a.Inputs[1]));
        public T Jvp<T>(IAlgebra<T> m, in JvpArgs<T> a)
        {
            if (a.Tangents[1] is not { } tb) return m.Div(a.Tangents[0]!, a.Inputs[1]);
            var fromB = m.Mul(tb, a.Result);
            return m.Div(a.Tangents[0] is { } ta ? m.Sub(ta, fromB) : m.Neg(fromB), a.Inputs[1]);
        }
    }

    // d(a^b) = g*b*a^(b-1), g*a^b*log(a);  t = ta*b*a^(b-1) + tb*a^b*log(a)
    public static readonly OpDefinition Pow = Binary("pow", TensorOps.Pow, new PowRule());
    private sealed class PowRule : IVjpRule, IJvpRule
    {
        public T Vjp<T>(IAlgebra<T> m, int i, in VjpArgs<T> a) => m.Mul(a.Grad, Partial(m, i, a.Inputs, a.Result));
        public T Jvp<T>(IAlgebra<T> m, in JvpArgs<T> a) => Plus(m,
            a.Tangents[0] is { } ta ? m.Mul(ta, Partial(m, 0, a.Inputs, a.Result)) : default,
            a.Tangents[1] is { } tb ? m.Mul(tb, Partial(m, 1, a.Inputs, a.Result)) : default);

        // As PyTorch's pow_backward at zero: nothing for the base where the exponent is 0 (x^0 is flat, even at
        // x = 0, where b*a^(b-1) is 0*inf); nothing for the exponent where the base is 0 and the exponent >= 0
        // (0^b is 0 or 1 there, and a^b*log(a) would be 0*-inf). So d(x^x)/dx at 0 is 0, not NaN.
        private static T Partial<T>(IAlgebra<T> m, int i, T[] x, T result)
        {
            var zeros = m.ZerosLike(result);
            if (i == 0)
                return m.Where(m.Equal(x[1], m.ZerosLike(x[1])), zeros, m.Mul(x[1], m.Pow(x[0], m.AddScalar(x[1], -1f))));
            var exponentNonNegative = m.AddScalar(m.Neg(m.Step(m.Neg(x[1]))), 1f);
            var flat = m.Mul(m.Equal(x[0], m.ZerosLike(x[0])), exponentNonNegative);
            return m.Where(flat, zeros, m.Mul(result, m.Log(x[0])));
        }
    }

    // d(-x) = -g;  t = -tx
    public static readonly OpDefinition Neg = Elementwise("neg", TensorOps.Deferred.Neg, new NegRule());
    private sealed class NegRule : IVjpRule, IJvpRule
    {
        public bool ReadsGradientOnce => true;
        public bool ReadsResult(int gradientFor) => false;
        public bool ReadsInput(int input, int gradientFor) => false;
        public T Vjp<T>(IAlgebra<T> m, int i, in VjpArgs<T> a) => m.Neg(a.Grad);
        public T Jvp<T>(IAlgebra<T> m, in JvpArgs<T> a) => m.Neg(a.Tangents[0]!);
    }

    // d(exp x) = g*exp(x);  t = tx*exp(x)
    public static readonly OpDefinition Exp = Elementwise("exp", TensorOps.Deferred.Exp, new ExpRule());
    private sealed class ExpRule : IVjpRule, IJvpRule
    {
        public bool ReadsGradientOnce => true;
        public bool ReadsInput(int input, int gradientFor) => false;
        public T Vjp<T>(IAlgebra<T> m, int i, in VjpArgs<T> a) => m.Mul(a.Grad, a.Result);
        public T Jvp<T>(IAlgebra<T> m, in JvpArgs<T> a) => m.Mul(a.Tangents[0]!, a.Result);
    }

    // d(log x) = g/x;  t = tx/x
    public static readonly OpDefinition Log = Elementwise("log", TensorOps.Deferred.Log, new LogRule());
    private sealed class LogRule : IVjpRule, IJvpRule
    {
        public bool ReadsGradientOnce => true;
        public bool ReadsResult(int gradientFor) => false;
        public T Vjp<T>(IAlgebra<T> m, int i, in VjpArgs<T> a) => m.Div(a.Grad, a.Inputs[0]);
        public T Jvp<T>(IAlgebra<T> m, in JvpArgs<T> a) => m.Div(a.Tangents[0]!, a.Inputs[0]);
    }

    // d(sin x) = g*cos(x);  t = tx*cos(x)
    public static readonly OpDefinition Sin = Elementwise("sin", TensorOps.Deferred.Sin, new SinRule());
    private sealed class SinRule : IVjpRule, IJvpRule
    {
        public bool ReadsGradientOnce => true;
        public bool ReadsResult(int gradientFor) => false;
        public T Vjp<T>(IAlgebra<T> m, int i, in VjpArgs<T> a) => m.Mul(a.Grad, m.Cos(a.Inputs[0]));
        public T Jvp<T>(IAlgebra<T> m, in JvpArgs<T> a) => m.Mul(a.Tangents[0]!, m.Cos(a.Inputs[0]));
    }

    // d(cos x) = -g*sin(x);  t = -tx*sin(x)
    public static readonly OpDefinition Cos = Elementwise("cos", TensorOps.Deferred.Cos, new CosRule());
    private sealed class CosRule : IVjpRule, IJvpRule
    {
        public bool ReadsGradientOnce => true;
        public bool ReadsResult(int gradientFor) => false;
        public T Vjp<T>(IAlgebra<T> m, int i, in VjpArgs<T> a) => m.Neg(m.Mul(a.Grad, m.Sin(a.Inputs[0])));
        public T Jvp<T>(IAlgebra<T> m, in JvpArgs<T> a) => m.Neg(m.Mul(a.Tangents[0]!, m.Sin(a.Inputs[0])));
    }

    // d(tanh x) = g*(1 - tanh(x)^2) = g - g*y*y;  t likewise with tx (one fused pass on tensors)
    public static readonly OpDefinition Tanh = Elementwise("tanh", TensorOps.Deferred.Tanh, new TanhRule());
    private sealed class TanhRule : IVjpRule, IJvpRule
    {
        public bool ReadsGradientOnce => true;
        public bool ReadsInput(int input, int gradientFor) => false;
        public T Vjp<T>(IAlgebra<T> m, int i, in VjpArgs<T> a) => m.TanhBackward(a.Grad, a.Result);
        public T Jvp<T>(IAlgebra<T> m, in JvpArgs<T> a) => m.TanhBackward(a.Tangents[0]!, a.Result);
    }

    // d(sqrt x) = g/(2*sqrt(x));  t likewise with tx
    public static readonly OpDefinition Sqrt = Elementwise("sqrt", TensorOps.Deferred.Sqrt, new SqrtRule());
    private sealed class SqrtRule : IVjpRule, IJvpRule
    {
        public bool ReadsInput(int input, int gradientFor) => false;
        public T Vjp<T>(IAlgebra<T> m, int i, in VjpArgs<T> a) => m.Scale(m.Div(a.Grad, a.Result), 0.5f);
        public T Jvp<T>(IAlgebra<T> m, in JvpArgs<T> a) => m.Scale(m.Div(a.Tangents[0]!, a.Result), 0.5f);
    }

    // d|x| = g*sign(x);  t = tx*sign(x)
    public static readonly OpDefinition Abs = Elementwise("abs", TensorOps.Deferred.Abs, new AbsRule());
    private sealed class AbsRule : IVjpRule, IJvpRule
    {
        public bool ReadsGradientOnce => true;
        public bool ReadsResult(int gradientFor) => false;
        public T Vjp<T>(IAlgebra<T> m, int i, in VjpArgs<T> a) => m.Mul(a.Grad, m.Sign(a.Inputs[0]));
        public T Jvp<T>(IAlgebra<T> m, in JvpArgs<T> a) => m.Mul(a.Tangents[0]!, m.Sign(a.Inputs[0]));
    }

    // d relu(x) = g*[x > 0];  t = tx*[x > 0]
    public static readonly OpDefinition Relu = Elementwise("relu", TensorOps.Deferred.Relu, new ReluRule());
    private sealed class ReluRule : IVjpRule, IJvpRule
    {
        public bool ReadsGradientOnce => true;
        public bool ReadsResult(int gradientFor) => false;
        public T Vjp<T>(IAlgebra<T> m, int i, in VjpArgs<T> a) => m.Mul(a.Grad, m.Step(a.Inputs[0]));
        public T Jvp<T>(IAlgebra<T> m, in JvpArgs<T> a) => m.Mul(a.Tangents[0]!, m.Step(a.Inputs[0]));
    }

    // d‖x‖ = g * x / ‖x‖;  t = sum(x*tx) / ‖x‖. A primitive, not sqrt(sum(x*x)): one node instead of
    // three where loops test a norm (the seeds' while loop), as PyTorch's linalg_vector_norm has its own derivative.
    public static readonly OpDefinition Norm = new("norm", 1, (_, _) => [],
        (x, _) => Tensor.Scalar(TensorPrimitives.Norm((ReadOnlySpan<float>)x[0].Span)), new NormRule(), new NormRule());
    // At the zero vector both are 0 (PyTorch's norm_backward and norm_jvp mask norm == 0), not 0/0.
    private sealed class NormRule : IVjpRule, IJvpRule
    {
        public T Vjp<T>(IAlgebra<T> m, int i, in VjpArgs<T> a) => m.Mul(AwayFromZero(m, a.Grad, a.Result), a.Inputs[0]);
        public T Jvp<T>(IAlgebra<T> m, in JvpArgs<T> a) => AwayFromZero(m, m.Sum(m.Mul(a.Inputs[0], a.Tangents[0]!), null, false), a.Result);

        /// <summary>v / norm, and 0 where the norm is 0.</summary>
        private static T AwayFromZero<T>(IAlgebra<T> m, T v, T norm)
        {
            var zeros = m.ZerosLike(norm);
            return m.Where(m.Equal(norm, zeros), zeros, m.Div(v, norm));
        }
    }

    // d sum(x, axes) = g repeated over the summed axes;  t = sum(tx, axes)
    public static readonly OpDefinition Sum = new("sum", 1, ReducedShape("sum"),
        (x, at) => TensorOps.Sum(x[0], at.Axes, at.KeepDims), new SumRule(), new SumRule());
    private sealed class SumRule : IVjpRule, IJvpRule
    {
        public T Vjp<T>(IAlgebra<T> m, int i, in VjpArgs<T> a)
        {
            var shape = m.Shape(a.Inputs[0]);
            return m.BroadcastTo(m.Reshape(a.Grad, KeptShape(shape, a.Attributes)), shape);
        }

        public T Jvp<T>(IAlgebra<T> m, in JvpArgs<T> a) => m.Sum(a.Tangents[0]!, a.Attributes.Axes, a.Attributes.KeepDims);
    }

    // d max(x, axes) = g to the arg-max (shared evenly between ties, as torch.amax);
    // t = the mean of tx over the arg-max positions
    public static readonly OpDefinition Max = new("max", 1, ReducedShape("max"),
        (x, at) => TensorOps.Max(x[0], at.Axes, at.KeepDims), new ExtremumRule(), new ExtremumRule());
    public static readonly OpDefinition Min = new("min", 1, ReducedShape("min"),
        (x, at) => TensorOps.Min(x[0], at.Axes, at.KeepDims), new ExtremumRule(), new ExtremumRule());
    private sealed class ExtremumRule : IVjpRule, IJvpRule
    {
        public T Vjp<T>(IAlgebra<T> m, int i, in VjpArgs<T> a)
        {
            var (mask, ties, kept) = Selection(m, a.Inputs[0], a.Result, a.Attributes);
            return m.Mul(mask, m.Div(m.Reshape(a.Grad, kept), ties));
        }

        public T Jvp<T>(IAlgebra<T> m, in JvpArgs<T> a)
        {
            var (mask, ties, _) = Selection(m, a.Inputs[0], a.Result, a.Attributes);
            var selected = m.Div(m.Sum(m.Mul(mask, a.Tangents[0]!), a.Attributes.Axes, keepDims: true), ties);
            return m.Reshape(selected, m.Shape(a.Result));
        }

        /// <summary>1 at the extremum's positions (a constant), how many tie per reduced cell, and the kept shape.</summary>
        private static (T Mask, T Ties, int[] Kept) Selection<T>(IAlgebra<T> m, T x, T result, OpAttributes at)
        {
            var shape = m.Shape(x);
            var kept = KeptShape(shape, at);
            var mask = m.Equal(x, m.BroadcastTo(m.Reshape(result, kept), shape));
            return (mask, m.Sum(mask, at.Axes, keepDims: true), kept);
        }
    }

    // d(A@B) = G@Bᵀ, Aᵀ@G; vectors are seen as a row (left) or a column (right);  t = tA@B + A@tB
    public static readonly OpDefinition MatMul = new("matmul", 2, (s, _) => MatMulShape(s[0], s[1]),
        (x, _) => TensorOps.MatMul(x[0], x[1]), new MatMulRule(), new MatMulRule());
    private sealed class MatMulRule : IVjpRule, IJvpRule
    {
        public T Vjp<T>(IAlgebra<T> m, int i, in VjpArgs<T> a)
        {
            int[] sa = m.Shape(a.Inputs[0]), sb = m.Shape(a.Inputs[1]);
            // The inner product of two vectors: d(a·b) = g*b, g*a (the same products as the matrix form, without its reshapes).
            if (sa.Length == 1 && sb.Length == 1) return m.Mul(a.Grad, a.Inputs[1 - i]);
            var left = sa.Length == 1 ? m.Reshape(a.Inputs[0], [1, sa[0]]) : a.Inputs[0];
            var right = sb.Length == 1 ? m.Reshape(a.Inputs[1], [sb[0], 1]) : a.Inputs[1];
            var g = m.Reshape(a.Grad, MatMulShape(m.Shape(left), m.Shape(right)));
            var vjp = i == 0 ? m.MatMul(g, right, false, true) : m.MatMul(left, g, true, false);
            var target = i == 0 ? sa : sb;
            // A vector operand's gradient comes back as a row or a column: flatten it to the vector.
            return target.Length == 1 ? m.Reshape(vjp, target) : vjp;
        }

        public T Jvp<T>(IAlgebra<T> m, in JvpArgs<T> a) => Plus(m,
            a.Tangents[0] is { } ta ? m.MatMul(ta, a.Inputs[1], false, false) : default,
            a.Tangents[1] is { } tb ? m.MatMul(a.Inputs[0], tb, false, false) : default);
    }

    // d reshape(x) = reshape(g, x.shape);  t = reshape(tx)
    public static readonly OpDefinition Reshape = new("reshape", 1,
        (s, at) => TensorOps.ResolveReshape(s[0], Shapes.ElementCount(s[0]), at.Shape!),
        (x, at) => TensorOps.Reshape(x[0], at.Shape!), new ReshapeRule(), new ReshapeRule());
    private sealed class ReshapeRule : IVjpRule, IJvpRule
    {
        public T Vjp<T>(IAlgebra<T> m, int i, in VjpArgs<T> a) => m.Reshape(a.Grad, m.Shape(a.Inputs[0]));
        public T Jvp<T>(IAlgebra<T> m, in JvpArgs<T> a) => m.Reshape(a.Tangents[0]!, m.Shape(a.Result));
    }

    // d permute(x, p) = permute(g, p⁻¹);  t = permute(tx, p)
    public static readonly OpDefinition Permute = new("permute", 1, PermutedShape,
        (x, at) => TensorOps.Permute(x[0], at.Axes!), new PermuteRule(), new PermuteRule());
    private sealed class PermuteRule : IVjpRule, IJvpRule
    {
        public T Vjp<T>(IAlgebra<T> m, int i, in VjpArgs<T> a)
        {
            var p = a.Attributes.Axes!;
            var inverse = new int[p.Length];
            for (var k = 0; k < p.Length; k++) inverse[p[k]] = k;
            return m.Permute(a.Grad, inverse);
        }

        public T Jvp<T>(IAlgebra<T> m, in JvpArgs<T> a) => m.Permute(a.Tangents[0]!, a.Attributes.Axes!);
    }

    /// <summary>Every primitive, for tests and tooling that walk the table.</summary>
    public static IReadOnlyList<OpDefinition> All => Listing.All;

    // A nested class: its list is built on first use, after every part of OpTable (OpTable.*.cs) has set its
    // fields (the order of static initializers across the parts of a partial class is unspecified).
    private static class Listing
    {
        public static readonly IReadOnlyList<OpDefinition> All =
        [
            Add, Sub, Mul, Div, Pow, Neg, Exp, Log, Sin, Cos, Tanh, Sqrt, Abs, Relu, Norm, Sum, Max, Min, MatMul, Reshape, Permute,
            Sigmoid, Softplus, LogSigmoid, LogSumExp, Clamp, Maximum, Minimum, Where,
            Sort, TopK, ArgMax, ArgMin, IndexSelect, IndexAdd, Gather, ScatterAdd, Concat,
        ];
    }

    // ---- shape rules ----

    private static Func<int[][], OpAttributes, int[]> ReducedShape(string name) =>
        (s, at) => Shapes.Reduced(s[0], Shapes.NormalizeAxes(at.Axes, s[0].Length, name), at.KeepDims);

    /// <summary>The reduced shape with the reduced axes kept as size 1: how a reduction's gradient lines up with its input.</summary>
    private static int[] KeptShape(int[] input, OpAttributes at) =>
        Shapes.Reduced(input, Shapes.NormalizeAxes(at.Axes, input.Length, "reduce"), keepDims: true);

    private static int[] PermutedShape(int[][] s, OpAttributes at)
    {
        var p = at.Axes!;
        if (p.Length != s[0].Length || p.Distinct().Count() != p.Length || p.Any(k => k < 0 || k >= p.Length))
            throw new ArgumentException($"permute: axes [{string.Join(", ", p)}] are not a permutation for shape {Shapes.Format(s[0])}.");
        return p.Select(k => s[0][k]).ToArray();
    }

    /// <summary>torch.matmul's result shape, or the error naming both shapes.</summary>
    public static int[] MatMulShape(int[] a, int[] b)
    {
        ArgumentException Error() => new($"matmul: shapes {Shapes.Format(a)} and {Shapes.Format(b)} cannot be multiplied.");
        if (a.Length is 0 or > 3 || b.Length is 0 or > 3) throw Error();
        if (a.Length == 1 && b.Length == 1) return a[0] == b[0] ? [] : throw Error();
        var ka = a[^1];
        var kb = b.Length == 1 ? b[0] : b[^2];
        if (ka != kb) throw Error();
        var batchA = a.Length == 3 ? a[0] : 1;
        var batchB = b.Length == 3 ? b[0] : 1;
        if (batchA != batchB && batchA != 1 && batchB != 1) throw Error();
        var shape = new List<int>();
        if (a.Length == 3 || b.Length == 3) shape.Add(Math.Max(batchA, batchB));
        if (a.Length >= 2) shape.Add(a[^2]);
        if (b.Length >= 2) shape.Add(b[^1]);
        return shape.ToArray();
    }
}
