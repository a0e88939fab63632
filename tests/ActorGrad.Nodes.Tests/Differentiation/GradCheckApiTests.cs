using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes.Checking;
using ActorGrad.Nodes.Ops;

namespace ActorGrad.Nodes.Tests.Differentiation;

/// <summary>
/// Autograd.GradCheck and GradGradCheck themselves: they pass correct derivatives, and they catch
/// and name wrong ones: a wrong VJP rule, a wrong JVP rule, and a VJP rule that computes the right
/// values outside the algebra (right first derivative, no second).
/// </summary>
public sealed class GradCheckApiTests : IDisposable
{
    private readonly Session _s = new();
    public void Dispose() => _s.Dispose();

    /// <summary>square(x) = x*x with the rules given.</summary>
    private static OpDefinition Square(IVjpRule vjp, IJvpRule jvp) =>
        new("square", 1, (s, _) => s[0], (x, _) => TensorOps.Mul(x[0], x[0]), vjp, jvp);

    private sealed class RightRule : IVjpRule, IJvpRule
    {
        public T Vjp<T>(IAlgebra<T> m, int i, in VjpArgs<T> a) => m.Mul(a.Grad, m.Scale(a.Inputs[0], 2f));
        public T Jvp<T>(IAlgebra<T> m, in JvpArgs<T> a) => m.Mul(a.Tangents[0]!, m.Scale(a.Inputs[0], 2f));
    }

    /// <summary>A slip: x instead of 2x.</summary>
    private sealed class WrongRule : IVjpRule, IJvpRule
    {
        public T Vjp<T>(IAlgebra<T> m, int i, in VjpArgs<T> a) => m.Mul(a.Grad, a.Inputs[0]);
        public T Jvp<T>(IAlgebra<T> m, in JvpArgs<T> a) => m.Mul(a.Tangents[0]!, a.Inputs[0]);
    }

    /// <summary>The right values, computed on tensors behind the algebra's back: nothing is recorded, so no second derivative.</summary>
    private sealed class OutsideTheAlgebraRule : IVjpRule
    {
        public T Vjp<T>(IAlgebra<T> m, int i, in VjpArgs<T> a)
        {
            if (a.Grad is not Var g) return new RightRule().Vjp(m, i, a);
            var x = ((Var)(object)a.Inputs[0]!).Value();
            return (T)(object)Var.Constant(g.Session, TensorOps.Mul(g.Value(), TensorOps.Mul(x, 2f)));
        }
    }

    private Var[] Inputs(params float[] values) => [_s.Tensor(values, values.Length).RequiresGrad()];

    [Fact]
    public void PassesCorrectDerivativesAndCountsTheEntries()
    {
        var result = Autograd.GradCheck(xs => (xs[0].Sin() * xs[1]).Sum(0), [
            _s.Tensor(Tensor.RandomNormal(1, [2, 3])).RequiresGrad(), _s.Tensor(Tensor.RandomNormal(2, [3]))]);
        Assert.True(result.Passed, result.Report);
        Assert.Equal(3 * 6, result.EntriesChecked); // 3 outputs x 6 elements of the one checked input
        Assert.Contains("passed", result.Report);
    }

    [Fact]
    public void AWrongVjpRuleFailsNamingInputElementAndBothValues()
    {
        var op = Square(new WrongRule(), new RightRule());
        var inputs = Inputs(0.5f, -1.5f);
        var error = Assert.Throws<GradCheckException>(() => Autograd.GradCheck(xs => _s.Apply(op, OpAttributes.None, xs), inputs));
        Assert.Contains("input 0, element 1 (index [1])", error.Message);
        Assert.Contains("analytic -1.5", error.Message);
        Assert.Contains("numerical -3", error.Message); // d(x^2) = 2x = -3.0000...

        var result = Autograd.GradCheck(xs => _s.Apply(op, OpAttributes.None, xs), inputs, new GradCheckOptions { RaiseException = false });
        Assert.False(result.Passed);
        var worst = result.Mismatches[0];
        Assert.Equal(("backward", 0, 1, 0, 1), (worst.Mode, worst.Output, worst.OutputElement, worst.Input, worst.Element));
        Assert.Equal(-1.5, worst.Analytic, 5);
        Assert.Equal(-3.0, worst.Numerical, 2);
        Assert.Equal(2, result.Mismatches.Count); // the off-diagonal entries agree (both 0)
    }

    [Fact]
    public void AWrongJvpRuleFailsInForwardModeOnly()
    {
        var op = Square(new RightRule(), new WrongRule());
        Var F(Var[] xs) => _s.Apply(op, OpAttributes.None, xs);
        Assert.True(Autograd.GradCheck(F, Inputs(0.5f, 2f)).Passed);
        var result = Autograd.GradCheck(F, Inputs(0.5f, 2f), new GradCheckOptions { CheckForwardMode = true, RaiseException = false });
        Assert.All(result.Mismatches, m => Assert.Equal("forward", m.Mode));
        Assert.Equal(2, result.Mismatches.Count);
    }

    [Fact]
    public void ARuleOutsideTheAlgebraPassesFirstOrderAndFailsSecondOrder()
    {
        var op = Square(new OutsideTheAlgebraRule(), new RightRule());
        Var F(Var[] xs) => _s.Apply(op, OpAttributes.None, xs).Sum();
        Assert.True(Autograd.GradCheck(F, Inputs(0.5f, 2f)).Passed);
        var result = Autograd.GradGradCheck(F, Inputs(0.5f, 2f), options: new GradCheckOptions { RaiseException = false });
        Assert.False(result.Passed);
        Assert.Equal(0.0, result.Mismatches[0].Analytic); // the recorded gradient has no graph behind it

        var right = Square(new RightRule(), new RightRule());
        Assert.True(Autograd.GradGradCheck(xs => _s.Apply(right, OpAttributes.None, xs).Sum(), Inputs(0.5f, 2f)).Passed);
    }

    [Fact]
    public void EveryOutputAgainstEveryInput()
    {
        var a = _s.Tensor(Tensor.RandomNormal(3, [2, 2])).RequiresGrad();
        var b = _s.Tensor(Tensor.RandomNormal(4, [2])).RequiresGrad();
        var result = Autograd.GradCheck(xs => [xs[0].MatMul(xs[1]), (xs[0] * xs[1]).Exp().Sum()], [a, b],
            new GradCheckOptions { CheckForwardMode = true });
        Assert.Equal((2 + 1) * (4 + 2), result.EntriesChecked);
        Assert.True(Autograd.GradGradCheck(xs => [xs[0].MatMul(xs[1]).Tanh(), (xs[0] * xs[1]).Exp().Sum()], [a, b]).Passed);
    }

    [Fact]
    public void BadArgumentsAreClearErrors()
    {
        var constant = _s.Tensor([1f], 1);
        Assert.Contains("no input requires a gradient", Assert.Throws<ArgumentException>(() => Autograd.GradCheck(xs => xs[0], [constant])).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Autograd.GradCheck(xs => xs[0], Inputs(1f), new GradCheckOptions { Eps = 0 }));
        Assert.Contains("float32 resolution", Assert.Throws<ArgumentException>(() =>
            Autograd.GradCheck(xs => xs[0], [_s.Tensor([1e9f], 1).RequiresGrad()])).Message);
    }
}
