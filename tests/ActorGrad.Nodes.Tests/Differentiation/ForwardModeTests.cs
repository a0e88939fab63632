using ActorGrad.Engine.Tensors;

namespace ActorGrad.Nodes.Tests.Differentiation;

/// <summary>
/// Forward mode: tangents travel with the forward messages. The seeds' exercise 7 (the derivative of
/// f(x) = log(x^2) sin(x) + 1/x evaluated from x to f and from f back to x), duals and their tangents.
/// </summary>
public sealed class ForwardModeTests : IDisposable
{
    private readonly Session _s = new();
    public void Dispose() => _s.Dispose();

    private static Var Exercise(Var x) => x.Pow(2).Log() * x.Sin() + 1f / x;
    private static double ExerciseDerivative(double x) => Math.Log(x * x) * Math.Cos(x) + 2 * Math.Sin(x) / x - 1 / (x * x);

    [Theory]
    [InlineData(1.3f)]
    [InlineData(-0.7f)]
    [InlineData(4f)]
    public void ExerciseSevenForwardFromXToFAndBackwardFromFToX(float at)
    {
        var x = _s.Scalar(at);
        var expected = ExerciseDerivative(at);
        // x -> f: one forward pass with dx = 1 carried along.
        var (value, forward) = Autograd.Jvp(Exercise, x, Tensor.Scalar(1f));
        // f -> x: one backward pass seeded with df = 1.
        var backward = Autograd.Grad(Exercise)(x);
        Assert.Equal(Exercise(x).Item(), value.Item(), 6);
        Assert.Equal(expected, forward.Item(), 4);
        Assert.Equal(expected, backward.Item(), 4);
    }

    [Fact]
    public void JvpIsTheJacobianTimesTheTangent()
    {
        var a = Tensor.RandomNormal(5, [3, 2]);
        var x = _s.Tensor(Tensor.RandomNormal(6, [2]));
        var v = Tensor.FromArray([0.5f, -2f], 2);
        var (value, tangent) = Autograd.Jvp(y => _s.Tensor(a).MatMul(y).Tanh(), x, v);
        // J = diag(1 - tanh^2) @ A
        var pre = TensorOps.MatMul(a, x.Value());
        for (var i = 0; i < 3; i++)
        {
            var t = MathF.Tanh(pre[i]);
            var av = a[i, 0] * v[0] + a[i, 1] * v[1];
            Assert.Equal(t, value[i], 5);
            Assert.Equal((1 - t * t) * av, tangent[i], 5);
        }
    }

    [Fact]
    public void DualsCarryTheirTangentThroughEveryRecordedOp()
    {
        var x = _s.MakeDual(Tensor.FromArray([1f, 2f], 2), Tensor.FromArray([1f, 0f], 2));
        var c = _s.Tensor([3f, 4f], 2);
        var y = (x * x + c).Sum();
        Assert.Equal([2f], y.Tangent!.ToArray()); // d/dx0 (x0^2) = 2x0 = 2
        Assert.Null(c.Tangent);
        Assert.Null((c * 2).Tangent);
        // A dual feeds several consumers, each getting the tangent with the value.
        var z = x.Exp();
        Assert.Equal([MathF.E, 0f], z.Tangent!.ToArray());
        Assert.Throws<ArgumentException>(() => _s.MakeDual(Tensor.Zeros(2), Tensor.Zeros(3)));
    }

    [Fact]
    public void ForwardOverReverse()
    {
        // The JVP of the gradient: the Hessian-vector product f''(x) v, in one forward pass over the recorded gradient.
        var (_, hv) = Autograd.Jvp(Autograd.Grad(Exercise, createGraph: true), _s.Scalar(1.3f), Tensor.Scalar(2f));
        Assert.Equal(2 * 0.08749357607425878, hv.Item(), 4);
    }
}
