using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes.Ops;

namespace ActorGrad.Nodes.Tests;

/// <summary>
/// The forward-mode rule of every op added with the selection and stable ops, applied on raw tensors: against
/// central differences of the op's kernel along a random tangent, and against the op's VJP rules by
/// transposition (&lt;g, J t&gt; = &lt;Jᵀ g, t&gt;, which holds to rounding whatever the step).
/// </summary>
public sealed class JvpRuleTests
{
    private int _seed = 500;

    private Tensor Random(params int[] shape)
    {
        var t = Tensor.RandomNormal(_seed++, shape);
        var span = t.Span;
        for (var i = 0; i < span.Length; i++) span[i] = MathF.Sign(span[i]) * (0.3f + MathF.Abs(span[i])) * (1 + 0.01f * i);
        return t;
    }

    private static Tensor Const(float[] values, params int[] shape) => Tensor.FromArray(values, shape);

    public static TheoryData<string> Cases() => [.. CaseTable.Keys];

    /// <summary>Per case: the op, its attributes, its inputs and which of them carry a tangent (index and condition inputs do not).</summary>
    private static readonly Dictionary<string, Func<JvpRuleTests, (OpDefinition Op, OpAttributes At, Tensor[] Inputs, bool[] Tangent)>> CaseTable = new()
    {
        ["sigmoid"] = t => (OpTable.Sigmoid, OpAttributes.None, [t.Random(3, 4)], [true]),
        ["softplus"] = t => (OpTable.Softplus, OpAttributes.None, [t.Random(3, 4)], [true]),
        ["logsigmoid"] = t => (OpTable.LogSigmoid, OpAttributes.None, [t.Random(3, 4)], [true]),
        ["logsumexp"] = t => (OpTable.LogSumExp, new OpAttributes([-1], KeepDims: true), [t.Random(3, 4)], [true]),
        ["logsumexp_all"] = t => (OpTable.LogSumExp, OpAttributes.None, [t.Random(2, 3)], [true]),
        ["clamp"] = t => (OpTable.Clamp, new OpAttributes(Min: -0.8f, Max: 0.9f), [t.Random(4, 5)], [true]),
        ["maximum"] = t => (OpTable.Maximum, OpAttributes.None, [t.Random(3, 4), t.Random(4)], [true, true]),
        ["minimum"] = t => (OpTable.Minimum, OpAttributes.None, [t.Random(3, 4), t.Random(3, 4)], [false, true]),
        ["where"] = t => (OpTable.Where, OpAttributes.None, [Const([1, 0, 0, 1], 4), t.Random(3, 4), t.Random(3, 4)], [false, true, true]),
        ["sort"] = t => (OpTable.Sort, new OpAttributes(Axes: [0], Descending: true), [t.Random(4, 3)], [true]),
        ["topk"] = t => (OpTable.TopK, new OpAttributes(Axes: [-1], K: 2, Descending: true), [t.Random(3, 5)], [true]),
        ["argmax"] = t => (OpTable.ArgMax, new OpAttributes([1]), [t.Random(3, 4)], [true]),
        ["argmin"] = t => (OpTable.ArgMin, OpAttributes.None, [t.Random(3, 4)], [true]),
        ["index_select"] = t => (OpTable.IndexSelect, new OpAttributes(Axes: [1], Indices: [2, 0, 2]), [t.Random(3, 4)], [true]),
        ["index_add"] = t => (OpTable.IndexAdd, new OpAttributes(Axes: [0], Indices: [3, 0, 3], Shape: [5, 2]), [t.Random(3, 2)], [true]),
        ["gather"] = t => (OpTable.Gather, new OpAttributes(Axes: [1]), [t.Random(3, 4), Const([2, 0, 3], 3, 1)], [true, false]),
        ["scatter_add"] = t => (OpTable.ScatterAdd, new OpAttributes(Axes: [1], Shape: [2, 4]), [Const([3, 3, 1, 0, 2, 0], 2, 3), t.Random(2, 3)], [false, true]),
        ["concat"] = t => (OpTable.Concat, new OpAttributes(Axes: [-1]), [t.Random(2, 3), t.Random(2, 1), t.Random(2, 2)], [true, false, true]),
        ["pow"] = t => (OpTable.Pow, OpAttributes.None, [Abs(t.Random(3)), t.Random(3)], [true, true]),
        ["norm"] = t => (OpTable.Norm, OpAttributes.None, [t.Random(5)], [true]),
    };

    private static Tensor Abs(Tensor t) { using (t) return TensorOps.Abs(t); }

    [Theory]
    [MemberData(nameof(Cases))]
    public void JvpMatchesFiniteDifferencesAndTheVjp(string name)
    {
        var (op, at, inputs, hasTangent) = CaseTable[name](this);
        var tangents = inputs.Select((x, i) => hasTangent[i] ? Random(x.Shape) : null).ToArray();
        using var result = op.Forward(inputs, at);
        var algebra = new TensorAlgebra();
        var jvp = op.Tangent.Jvp(algebra, new JvpArgs<Tensor>(inputs, tangents, result, at));
        using var tangent = TensorOps.BroadcastTo(jvp, result.Shape);

        // Central differences of the kernel along the tangents.
        const float eps = 1e-3f;
        Tensor Shifted(float step) => op.Forward(inputs.Select((x, i) => tangents[i] is { } t ? Axpy(x, t, step) : x).ToArray(), at);
        using var plus = Shifted(eps);
        using var minus = Shifted(-eps);
        for (var j = 0; j < tangent.Length; j++)
        {
            var numeric = (plus.Span[j] - minus.Span[j]) / (2 * eps);
            Assert.True(Math.Abs(tangent.Span[j] - numeric) <= 2e-2 + 2e-2 * Math.Abs(numeric), $"{name}: element {j}: JVP {tangent.Span[j]}, finite difference {numeric}");
        }

        // Transposition: <g, J t> against the sum over inputs of <VJP_i(g), t_i>.
        var g = Random(result.Shape);
        double forward = Dot(g, tangent), reverse = 0;
        for (var i = 0; i < inputs.Length; i++)
        {
            if (tangents[i] is not { } t) continue;
            var vjp = op.Gradient.Vjp(algebra, i, new VjpArgs<Tensor>(g, inputs, result, at));
            using var summed = TensorOps.SumTo(vjp, inputs[i].Shape);
            reverse += Dot(summed, t);
        }
        Assert.True(Math.Abs(forward - reverse) <= 1e-4 * (1 + Math.Abs(forward)), $"{name}: <g, Jt> = {forward}, <Jᵀg, t> = {reverse}");
        algebra.Dispose();
    }

    [Fact]
    public void EveryAddedOpHasAJvpCase()
    {
        string[] added = ["sigmoid", "softplus", "logsigmoid", "logsumexp", "clamp", "maximum", "minimum", "where", "sort", "topk",
            "argmax", "argmin", "index_select", "index_add", "gather", "scatter_add", "concat"];
        var covered = CaseTable.Values.Select(f => f(this).Op.Name).ToHashSet();
        Assert.All(added, name => Assert.Contains(name, covered));
    }

    private static Tensor Axpy(Tensor x, Tensor t, float step)
    {
        using var scaled = TensorOps.Mul(t, step);
        return TensorOps.Add(x, scaled);
    }

    private static double Dot(Tensor a, Tensor b)
    {
        double sum = 0;
        for (var i = 0; i < a.Length; i++) sum += (double)a.Span[i] * b.Span[i];
        return sum;
    }
}
