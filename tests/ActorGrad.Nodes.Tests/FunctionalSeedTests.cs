using ActorGrad.Engine.Tensors;

namespace ActorGrad.Nodes.Tests;

/// <summary>The JAX version of the seed chapter, in ActorGrad's functional API.</summary>
public sealed class FunctionalSeedTests : IDisposable
{
    private readonly Session _s = new();
    public void Dispose() => _s.Dispose();

    [Fact]
    public void GradTransformOfTheSimpleFunction()
    {
        var x = _s.Arange(4);
        Var Y(Var v) => 2 * Var.Dot(v, v);
        Assert.Equal(28f, Y(x).Item());
        var xGrad = Autograd.Grad(Y)(x);
        Assert.Equal((4 * x).ToArray(), xGrad.ToArray());
        Assert.Equal([1f, 1f, 1f, 1f], Autograd.Grad(v => v.Sum())(x).ToArray());
        Assert.Null(x.Grad); // nothing accumulated anywhere
    }

    [Fact]
    public void GradIsOnlyDefinedForScalarOutputs()
    {
        var x = _s.Arange(4);
        var error = Assert.Throws<ArgumentException>(() => Autograd.Grad(v => v * v)(x));
        Assert.Contains("scalar", error.Message);
        Assert.Equal([0f, 2f, 4f, 6f], Autograd.Grad(v => (v * v).Sum())(x).ToArray());
    }

    [Fact]
    public void StopGradient()
    {
        var x = _s.Arange(4);
        Var Y(Var v) => v * v;
        var u = Y(x).Detach(); // jax.lax.stop_gradient
        Assert.Equal(Y(x).ToArray(), Autograd.Grad(v => (u * v).Sum())(x).ToArray());
        Assert.Equal((2 * x).ToArray(), Autograd.Grad(v => Y(v).Sum())(x).ToArray());
    }

    [Fact]
    public void ControlFlowGrad()
    {
        static Var F(Var a)
        {
            var b = a * 2;
            while (b.Norm().Item() < 1000) b = b * 2;
            return b.Sum().Item() > 0 ? b : 100 * b;
        }
        foreach (var value in new[] { 0.0139f, -0.3f, 1.7f })
        {
            var a = _s.Scalar(value);
            var (d, dGrad) = Autograd.ValueAndGrad(F)(a);
            Assert.Equal(d.Item() / value, dGrad.Item(), dGrad.Item() * 1e-6f);
        }
        Assert.Equal(131072f, Autograd.Grad(F)(_s.Scalar(0.0139f)).Item());
    }

    [Fact]
    public void AFunctionThatIgnoresItsInputHasZeroGradient()
    {
        var c = _s.Scalar(3f);
        Assert.Equal([0f, 0f], Autograd.Grad(_ => c * 2)(_s.Ones(2)).ToArray());
    }
}
