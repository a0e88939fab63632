using ActorGrad.Engine.Tensors;

namespace ActorGrad.Nodes.Tests.Differentiation;

/// <summary>
/// Gradients of gradients (createGraph): second and third derivatives against hand-derived ones,
/// through the functional API and through Backward(createGraph: true), and a Hessian-vector
/// product of a small MLP against finite differences of its gradient.
/// </summary>
public sealed class HigherOrderTests : IDisposable
{
    private readonly Session _s = new();
    public void Dispose() => _s.Dispose();

    private static readonly float[] Points = [-2.1f, -0.7f, 0.4f, 1.3f, 2.6f];

    /// <summary>f, f', f'', f''' of one scalar function.</summary>
    public sealed record Case(string Name, Func<Var, Var> F, Func<double, double> D1, Func<double, double> D2, Func<double, double> D3);

    private static double L2(double x) => Math.Log(x * x);

    public static TheoryData<string> Names => new(Cases.Keys);

    private static readonly Dictionary<string, Case> Cases = new Case[]
    {
        new("sin", x => x.Sin(), Math.Cos, x => -Math.Sin(x), x => -Math.Cos(x)),
        new("cube", x => x.Pow(3), x => 3 * x * x, x => 6 * x, _ => 6),
        new("exp_sin", x => x.Exp() * x.Sin(),
            x => Math.Exp(x) * (Math.Sin(x) + Math.Cos(x)), x => 2 * Math.Exp(x) * Math.Cos(x), x => 2 * Math.Exp(x) * (Math.Cos(x) - Math.Sin(x))),
        new("tanh", x => x.Tanh(),
            x => 1 - Math.Pow(Math.Tanh(x), 2),
            x => -2 * Math.Tanh(x) * (1 - Math.Pow(Math.Tanh(x), 2)),
            x => (1 - Math.Pow(Math.Tanh(x), 2)) * (6 * Math.Pow(Math.Tanh(x), 2) - 2)),
        // The seeds' exercise: f(x) = log(x^2) sin(x) + 1/x, derived by hand (checked with sympy).
        new("exercise", x => x.Pow(2).Log() * x.Sin() + 1f / x,
            x => L2(x) * Math.Cos(x) + 2 * Math.Sin(x) / x - 1 / (x * x),
            x => -L2(x) * Math.Sin(x) + 4 * Math.Cos(x) / x - 2 * Math.Sin(x) / (x * x) + 2 / (x * x * x),
            x => -L2(x) * Math.Cos(x) - 6 * Math.Sin(x) / x - 6 * Math.Cos(x) / (x * x) + 4 * Math.Sin(x) / (x * x * x) - 6 / Math.Pow(x, 4)),
    }.ToDictionary(c => c.Name);

    private static void Near(double expected, float actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-4 + 1e-4 * Math.Abs(expected), $"{what}: expected {expected}, got {actual}");

    [Theory]
    [MemberData(nameof(Names))]
    public void NestedGradGivesTheFirstSecondAndThirdDerivative(string name)
    {
        var c = Cases[name];
        var d1 = Autograd.Grad(c.F, createGraph: true);
        var d2 = Autograd.Grad(d1, createGraph: true);
        var d3 = Autograd.Grad(d2, createGraph: true);
        foreach (var p in Points)
        {
            var x = _s.Tensor(Tensor.FromArray([p], 1)).Sum(); // a 0-d input
            Near(c.D1(p), d1(x).Item(), $"{name}' at {p}");
            Near(c.D2(p), d2(x).Item(), $"{name}'' at {p}");
            Near(c.D3(p), d3(x).Item(), $"{name}''' at {p}");
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void BackwardWithCreateGraphTwiceMore(string name)
    {
        var c = Cases[name];
        // Elementwise over a vector: the gradient of sum(f(x)) is f'(x) per element.
        var x = _s.Tensor(Points, Points.Length).RequiresGrad();
        c.F(x).Sum().Backward(createGraph: true);
        var first = x.GradVar!;
        Assert.True(first.RequiresGradient);
        for (var i = 0; i < Points.Length; i++) Near(c.D1(Points[i]), x.Grad![i], $"{name}' at {Points[i]}");

        x.ZeroGrad();
        Assert.Null(x.GradVar);
        first.Sum().Backward(createGraph: true);
        var second = x.GradVar!;
        for (var i = 0; i < Points.Length; i++) Near(c.D2(Points[i]), second.ToArray()[i], $"{name}'' at {Points[i]}");

        x.ZeroGrad();
        second.Sum().Backward(); // a plain pass through the gradient's own graph
        Assert.Null(x.GradVar);
        for (var i = 0; i < Points.Length; i++) Near(c.D3(Points[i]), x.Grad![i], $"{name}''' at {Points[i]}");
    }

    [Fact]
    public void CreateGraphAccumulatesIntoGradAsAPlainPassDoes()
    {
        var x = _s.Tensor([1.5f], 1).RequiresGrad();
        (x * x * x).Sum().Backward(createGraph: true); // 3x^2 = 6.75
        (x * x).Sum().Backward(createGraph: true); // + 2x = 3
        Assert.Equal(9.75f, x.Grad![0], 5);
        x.GradVar!.Sum().Backward(); // d(3x^2 + 2x) = 6x + 2 = 11, added to 9.75
        Assert.Equal(20.75f, x.Grad![0], 5);
    }

    [Fact]
    public void CreateGraphFollowsEachLeafsGradReqAndRetainedNonLeaves()
    {
        var add = _s.Tensor([2f], 1).RequiresGrad();
        (add * 3).Sum().Backward(); // a plain gradient first: 3
        var write = _s.Tensor([2f], 1).AttachGrad(Protocol.Nodes.GradReq.Write);
        var ignore = _s.Tensor([2f], 1).AttachGrad(Protocol.Nodes.GradReq.Null);
        var u = add * add * write * ignore; // 16
        u.RetainGrad();
        u.Sum().Backward(createGraph: true);

        Assert.Equal(3f + 16f, add.Grad![0]); // d/d add = 2 add write ignore = 16, added to 3
        Assert.Equal([3f + 16f], add.GradVar!.ToArray()); // the plain 3 as a constant, plus the recorded 16
        Assert.Equal(8f, write.Grad![0]);
        Assert.Equal(0f, ignore.Grad![0]); // Null: the gradient stays as attached (zeros)
        Assert.Null(ignore.GradVar);
        Assert.Equal(1f, u.Grad![0]);
        Assert.NotNull(u.GradVar);

        // d/d add of (d/d add) = d(2 add write ignore) = 2 write ignore = 8
        add.GradVar!.Sum().Backward();
        Assert.Equal(3f + 16f + 8f, add.Grad![0]);
    }

    [Fact]
    public void CreateGraphOnANonScalarNeedsAHeadGradient()
    {
        var x = _s.Tensor([1f, 2f], 2).RequiresGrad();
        Assert.Contains("implicitly created only for scalar outputs",
            Assert.Throws<InvalidOperationException>(() => (x * x).Backward(createGraph: true)).Message);
        (x * x).Backward(Tensor.FromArray([1f, 10f], 2), createGraph: true);
        Assert.Equal([2f, 40f], x.GradVar!.ToArray());
    }

    [Fact]
    public void CreateGraphThroughBroadcastingMatmulAndReductions()
    {
        // f(W) = sum(tanh(X @ W + b)): the Hessian-vector product along V, two ways.
        var X = _s.Tensor(Tensor.RandomNormal(1, [4, 3]));
        var W = _s.Tensor(Tensor.RandomNormal(2, [3, 2])).RequiresGrad();
        var b = _s.Tensor(Tensor.RandomNormal(3, [2])).RequiresGrad();
        var g = Autograd.Grad((X.MatMul(W) + b).Tanh().Max(0).Sum(), [W, b], createGraph: true);
        Assert.Equal(W.Shape, g[0].Shape);
        Assert.Equal(b.Shape, g[1].Shape);
        Assert.True(g[0].RequiresGradient);
    }

    [Fact]
    public void HessianVectorProductOfAnMlpMatchesFiniteDifferencesOfItsGradient()
    {
        var X = _s.Tensor(Tensor.RandomNormal(11, [6, 3]));
        var y = _s.Tensor(Tensor.RandomNormal(12, [6, 1]));
        Tensor[] theta = [Tensor.RandomNormal(13, [3, 4]), Tensor.RandomNormal(14, [4]), Tensor.RandomNormal(15, [4, 1])];
        Tensor[] v = [Tensor.RandomNormal(16, [3, 4]), Tensor.RandomNormal(17, [4]), Tensor.RandomNormal(18, [4, 1])];
        Var Loss(Var[] p) => Var.Mse((X.MatMul(p[0]) + p[1]).Tanh().MatMul(p[2]), y);

        var parameters = theta.Select(t => _s.Tensor(t.Clone()).RequiresGrad()).ToArray();
        var grads = Autograd.Grad(Loss(parameters), parameters, createGraph: true);
        var gv = grads.Zip(v, (g, vi) => (g * _s.Tensor(vi)).Sum()).Aggregate((a, b) => a + b);
        var hv = Autograd.Grad(gv, parameters);

        // Central differences of the gradient along v, accumulated in double.
        const float eps = 1e-2f;
        float[][] GradAt(float sign)
        {
            var moved = theta.Zip(v, (t, vi) => _s.Tensor(TensorOps.Add(t, TensorOps.Mul(vi, sign * eps))).RequiresGrad()).ToArray();
            return Autograd.Grad(Loss(moved), moved).Select(g => g.ToArray()).ToArray();
        }
        var (plus, minus) = (GradAt(1), GradAt(-1));
        for (var k = 0; k < theta.Length; k++)
        {
            var analytic = hv[k].ToArray();
            for (var i = 0; i < analytic.Length; i++)
            {
                var numeric = ((double)plus[k][i] - minus[k][i]) / (2 * eps);
                Assert.True(Math.Abs(numeric - analytic[i]) <= 2e-3 + 1e-2 * Math.Abs(numeric),
                    $"Hv of parameter {k}, element {i}: analytic {analytic[i]}, finite differences {numeric}");
            }
        }
    }

    [Fact]
    public void GradWithRespectToANonLeafAndAnUnusedInput()
    {
        var x = _s.Tensor([2f, 3f], 2).RequiresGrad();
        var u = x * x;
        var unused = _s.Tensor([1f], 1).RequiresGrad();
        var g = Autograd.Grad((u * 3).Sum(), [u, x, unused]);
        Assert.Equal([3f, 3f], g[0].ToArray());
        Assert.Equal([12f, 18f], g[1].ToArray());
        Assert.Equal([0f], g[2].ToArray());
        Assert.False(g[1].RequiresGradient); // without createGraph: plain values
        Assert.Null(x.Grad); // nothing accumulated
    }

    [Fact]
    public void GradOfAConstantInputIsAClearError()
    {
        var c = _s.Tensor([2f], 1);
        var x = _s.Tensor([2f], 1).RequiresGrad();
        var error = Assert.Throws<ArgumentException>(() => Autograd.Grad((x * c).Sum(), [c]));
        Assert.Contains("does not require grad", error.Message);
    }

    [Fact]
    public void CreateGraphThroughAFreedGraphFailsAsAPlainPassDoes()
    {
        var x = _s.Tensor([2f], 1).RequiresGrad();
        var y = (x.Sin() * x).Sum();
        y.Backward();
        var error = Assert.Throws<InvalidOperationException>(() => y.Backward(createGraph: true));
        Assert.Contains("second time", error.Message);
    }
}
