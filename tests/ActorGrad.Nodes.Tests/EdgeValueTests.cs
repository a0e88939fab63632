using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes.Ops;

namespace ActorGrad.Nodes.Tests;

internal sealed record EdgeInput(float[] Values, int[] Shape);

/// <summary>One function of extreme inputs, with PyTorch's value and gradients (of the value's sum) for it.</summary>
internal sealed record EdgeCase(string Name, string Op, EdgeInput[] Inputs, float[] Value, int[] ValueShape, float[][] Grads)
{
    public override string ToString() => Name;
}

/// <summary>
/// Every op of the table at the edges (+-100, 0, -0, subnormals, +-1, +-inf): value and gradient against
/// PyTorch's (EdgeValueExpectations.cs, written by tools/edge_values.py). NaN must meet NaN, an infinity the same
/// infinity, and a finite number a close one; below float32's smallest normal (1.2e-38) numbers count as zero,
/// since PyTorch's and our kernels round subnormal results differently.
/// </summary>
public sealed class EdgeValueTests : IDisposable
{
    private readonly Session _s = new();
    public void Dispose() => _s.Dispose();

    private static Var Index(Session s, float[] values, params int[] shape) => s.Tensor(Tensor.FromArray(values, shape));

    /// <summary>The ActorGrad function of each case, as the script writes it in PyTorch.</summary>
    private static readonly Dictionary<string, Func<Session, Var[], Var>> Builders = new()
    {
        ["neg"] = (_, v) => -v[0],
        ["exp"] = (_, v) => v[0].Exp(),
        ["log"] = (_, v) => v[0].Log(),
        ["sin"] = (_, v) => v[0].Sin(),
        ["cos"] = (_, v) => v[0].Cos(),
        ["tanh"] = (_, v) => v[0].Tanh(),
        ["sqrt"] = (_, v) => v[0].Sqrt(),
        ["abs"] = (_, v) => v[0].Abs(),
        ["relu"] = (_, v) => v[0].Relu(),
        ["sigmoid"] = (_, v) => v[0].Sigmoid(),
        ["softplus"] = (_, v) => v[0].Softplus(),
        ["logsigmoid"] = (_, v) => v[0].LogSigmoid(),
        ["add"] = (_, v) => v[0] + v[1],
        ["sub"] = (_, v) => v[0] - v[1],
        ["mul"] = (_, v) => v[0] * v[1],
        ["div"] = (_, v) => v[0] / v[1],
        ["pow"] = (_, v) => v[0].Pow(v[1]),
        ["maximum"] = (_, v) => Var.Maximum(v[0], v[1]),
        ["minimum"] = (_, v) => Var.Minimum(v[0], v[1]),
        ["pow_self"] = (_, v) => v[0].Pow(v[0]),
        ["pow_2"] = (_, v) => v[0].Pow(2f),
        ["pow_0"] = (_, v) => v[0].Pow(0f),
        ["pow_half"] = (_, v) => v[0].Pow(0.5f),
        ["pow_base_2"] = (s, v) => s.Scalar(2f).Pow(v[0]),
        ["where"] = (_, v) => Var.Where(v[0], v[1], v[2]),
        ["clamp"] = (_, v) => v[0].Clamp(-1f, 1f),
        ["clamp_min"] = (_, v) => v[0].Clamp(min: 0f),
        ["sum"] = (_, v) => v[0].Sum(),
        ["sum_rows"] = (_, v) => v[0].Sum(-1),
        ["max"] = (_, v) => v[0].Max(),
        ["max_rows"] = (_, v) => v[0].Max(-1),
        ["min_rows"] = (_, v) => v[0].Min(-1),
        ["logsumexp"] = (_, v) => v[0].LogSumExp(0),
        ["logsumexp_rows"] = (_, v) => v[0].LogSumExp(-1),
        ["norm"] = (_, v) => v[0].Norm(),
        ["norm_zero"] = (_, v) => v[0].Norm(),
        ["norm_finite"] = (_, v) => v[0].Norm(),
        ["argmax"] = (_, v) => v[0].ArgMax(),
        ["argmax_rows"] = (_, v) => v[0].ArgMax(-1),
        ["argmin_rows"] = (_, v) => v[0].ArgMin(-1),
        ["sort"] = (_, v) => v[0].Sort(),
        ["sort_rows_descending"] = (_, v) => v[0].Sort(-1, descending: true),
        ["topk"] = (_, v) => v[0].TopK(3),
        ["topk_smallest"] = (_, v) => v[0].TopK(3, largest: false),
        ["matmul"] = (_, v) => v[0].MatMul(v[1]),
        ["reshape"] = (_, v) => v[0].Reshape(2, 5),
        ["permute"] = (_, v) => v[0].Permute(1, 0),
        ["index_select"] = (_, v) => v[0].IndexSelect(0, [9, 0, 0, 3]),
        ["index_add"] = (s, v) => Var.IndexAdd([10], 0, [1, 1, 4], v[0]),
        ["gather"] = (s, v) => v[0].Gather(1, Index(s, [2, 0, 1, 1, 0, 2], 6, 1)),
        ["scatter_add"] = (s, v) => Var.ScatterAdd([6, 3], 1, Index(s, [2, 0, 1, 1, 0, 2], 6, 1), v[0]),
        ["concat"] = (_, v) => Var.Concat(0, v[0], v[1]),
    };

    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var c in EdgeValueExpectations.Cases) data.Add(c.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void ValueAndGradientAsPyTorch(string name)
    {
        var c = EdgeValueExpectations.Cases.Single(x => x.Name == name);
        // PyTorch's where takes a boolean condition: it gets no gradient there, a constant here.
        var vars = c.Inputs.Select((x, i) =>
        {
            var v = _s.Tensor(Tensor.FromArray(x.Values, x.Shape));
            return c.Op == "where" && i == 0 ? v : v.RequiresGrad();
        }).ToArray();
        var y = Builders[name](_s, vars);
        Assert.Equal(c.ValueShape, y.Shape);
        AssertClose(c.Value, y.ToArray(), $"{name}: value");
        y.Sum().Backward();
        for (var i = 0; i < vars.Length; i++)
        {
            var grad = vars[i].Grad?.ToArray() ?? new float[c.Grads[i].Length];
            AssertClose(c.Grads[i], grad, $"{name}: gradient of input {i}");
        }
    }

    [Fact]
    public void EveryOpOfTheTableHasEdgeCases()
    {
        var covered = EdgeValueExpectations.Cases.Select(c => c.Op).ToHashSet();
        var uncovered = OpTable.All.Select(op => op.Name).Where(n => !covered.Contains(n)).ToArray();
        Assert.True(uncovered.Length == 0, $"ops without an edge case: {string.Join(", ", uncovered)} (add them to tools/edge_values.py)");
        var unbuilt = EdgeValueExpectations.Cases.Select(c => c.Name).Where(n => !Builders.ContainsKey(n)).ToArray();
        Assert.True(unbuilt.Length == 0, $"cases without a builder: {string.Join(", ", unbuilt)}");
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: {actual.Length} elements, PyTorch has {expected.Length}");
        for (var i = 0; i < expected.Length; i++)
            Assert.True(Close(expected[i], actual[i]),
                $"{what}, element {i}: ActorGrad {actual[i]:R}, PyTorch {expected[i]:R} (all: [{string.Join(", ", actual)}] vs [{string.Join(", ", expected)}])");
    }

    private static bool Close(float expected, float actual)
    {
        if (float.IsNaN(expected) || float.IsNaN(actual)) return float.IsNaN(expected) && float.IsNaN(actual);
        if (float.IsInfinity(expected) || float.IsInfinity(actual)) return expected == actual;
        return Math.Abs(expected - actual) <= 1e-5 * Math.Max(Math.Abs(expected), Math.Abs(actual)) + 1.2e-38;
    }
}
