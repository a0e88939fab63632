using ActorGrad.Engine.Tensors;
using ActorGrad.Protocol.Nodes;

namespace ActorGrad.Nodes.Tests;

/// <summary>
/// The seeds' exercises that are questions about autograd itself (README, "The seeds' exercises"): backward twice,
/// a control-flow gradient of our own, the head-gradient relationship, and forward against backward.
/// </summary>
public sealed class SeedExerciseTests : IDisposable
{
    private readonly Session _s = new();
    public void Dispose() => _s.Dispose();

    // ---- "Try to run y.backward() twice" (seed 000 exercise 2, seed 001 exercise 1) ----

    [Fact]
    public void BackwardTwice_PyTorchSemantics_FailsWithoutRetainGraph_AccumulatesWithIt()
    {
        var x = _s.Arange(4).RequiresGrad();
        var y = 2 * Var.Dot(x, x);
        y.Backward();
        // The first pass freed what the nodes kept for their VJPs.
        Assert.Contains("backward through the graph a second time", Assert.Throws<InvalidOperationException>(() => y.Backward()).Message);
        Assert.Equal([0f, 4f, 8f, 12f], x.Grad!.ToArray()); // the failed pass changed nothing

        x.ZeroGrad();
        var r = 2 * Var.Dot(x, x);
        r.Backward(retainGraph: true);
        r.Backward();
        Assert.Equal([0f, 8f, 16f, 24f], x.Grad!.ToArray()); // 4x twice: PyTorch accumulates
    }

    [Fact]
    public void BackwardTwice_MxNetWriteMode_OverwritesSoTheSecondPassGivesTheSameGradient()
    {
        var x = _s.Arange(4).AttachGrad(); // grad_req 'write'
        Var y;
        using (_s.Record()) y = 2 * Var.Dot(x, x);
        y.Backward(retainGraph: true);
        y.Backward(retainGraph: true);
        Assert.Equal([0f, 4f, 8f, 12f], x.Grad!.ToArray()); // written, not added: the same 4x

        var added = _s.Arange(4).AttachGrad(GradReq.Add); // grad_req 'add' accumulates like PyTorch
        using (_s.Record()) y = 2 * Var.Dot(added, added);
        y.Backward(retainGraph: true);
        y.Backward();
        Assert.Equal([0f, 8f, 16f, 24f], added.Grad!.ToArray());
        Assert.Throws<InvalidOperationException>(() => y.Backward()); // the last pass did not retain the graph
    }

    // ---- "Redesign an example of finding the gradient of the control flow" (seed 001 exercise 3) ----

    /// <summary>
    /// sqrt(a) by Newton's iteration x <- (x + a/x)/2 from x = max(a, 1), until |x^2 - a| is small: a loop whose
    /// number of steps depends on the value of a. Autograd differentiates the steps that ran.
    /// </summary>
    private static (Var Root, int Steps) NewtonSqrt(Var a)
    {
        if (a.Item() <= 0f) throw new ArgumentOutOfRangeException(nameof(a), "Newton's sqrt needs a > 0.");
        var x = a.Item() > 1f ? a * 1f : a * 0f + 1f;
        var steps = 0;
        while (MathF.Abs((x * x - a).Item()) > 1e-6f * a.Item() && steps < 100)
        {
            x = (x + a / x) * 0.5f;
            steps++;
        }
        return (x, steps);
    }

    [Theory]
    [InlineData(0.25f)]
    [InlineData(2f)]
    [InlineData(49f)]
    [InlineData(1e4f)]
    public void ControlFlowRedesigned_NewtonsSqrt_TheGradientOfTheUnrolledLoopIsTheDerivativeOfSqrt(float value)
    {
        var a = _s.Scalar(value).RequiresGrad();
        var (root, steps) = NewtonSqrt(a);
        Assert.InRange(steps, 1, 30); // a different number of steps per value: a different graph each time
        root.Backward();
        Assert.Equal(MathF.Sqrt(value), root.Item(), MathF.Sqrt(value) * 1e-5f);
        // The loop's gradient equals d sqrt(a)/da = 1/(2 sqrt(a)) once it converged: the iteration's fixed point
        // carries its derivative with it (the start value's contribution dies out quadratically).
        var expected = 0.5f / MathF.Sqrt(value);
        Assert.Equal(expected, a.Grad!.Item(), expected * 1e-3f);
    }

    [Fact]
    public void ControlFlowRedesigned_TheLoopLengthDiffersBetweenInputs()
    {
        var (_, near) = NewtonSqrt(_s.Scalar(1.21f).RequiresGrad());
        var (_, far) = NewtonSqrt(_s.Scalar(1e4f).RequiresGrad());
        Assert.True(far > near, $"{far} steps for 1e4, {near} for 1.21");
        var view = GraphView.Of(NewtonSqrt(_s.Scalar(1e4f).RequiresGrad()).Root);
        Assert.Equal(far, view.Nodes.Count(n => n.Op == "div")); // one a/x per step: the graph is the path taken
    }

    // ---- "Derive the head gradient relationship for the chain rule" (seed 001 exercise 6) ----

    [Fact]
    public void HeadGradient_BackwardOfAVectorWithHeadV_IsVTransposeTimesTheJacobian()
    {
        // y = tanh(W x): J = diag(1 - y^2) W.
        float[] w = [0.5f, -1f, 2f, 0.25f, 1.5f, -0.75f];
        float[] xs = [0.3f, -0.2f, 0.1f];
        float[] v = [2f, -3f];
        var x = _s.Tensor(xs, 3).RequiresGrad();
        var y = _s.Tensor(w, 2, 3).MatMul(x).Tanh();
        y.Backward(Tensor.FromArray(v));
        var ys = y.ToArray();
        for (var j = 0; j < 3; j++)
        {
            var expected = 0.0;
            for (var i = 0; i < 2; i++) expected += v[i] * (1 - ys[i] * ys[i]) * w[i * 3 + j];
            Assert.Equal(expected, x.Grad!.ToArray()[j], 1e-6);
        }
    }

    [Fact]
    public void HeadGradient_ChainRule_dzdx_IsTheBackwardOfYWithHeadGradient_dzdy()
    {
        // z = g(y), y = f(x): dz/dx = (dz/dy) (dy/dx), so backward of y with the head gradient dz/dy gives dz/dx.
        var x = _s.Tensor([0.5f, 1f, 1.5f], 3).AttachGrad();
        Var y, v, z;
        using (_s.Record())
        {
            y = x.Sin() * x;
            v = y.Detach().AttachGrad(); // stand-in for y, as in the seed's head-gradient example
            z = (v * v).Sum().Log();
        }
        z.Backward();
        var dzdy = v.Grad!;
        y.Backward(dzdy);
        var viaHead = x.Grad!.ToArray();

        var direct = _s.Tensor([0.5f, 1f, 1.5f], 3).RequiresGrad();
        var yy = direct.Sin() * direct;
        (yy * yy).Sum().Log().Backward();
        Assert.Equal(direct.Grad!.ToArray(), viaHead);
    }

    // ---- "When might you want to use forward, and when backward, differentiation?" (seed 000 exercise 8) ----

    [Fact]
    public void ForwardOrBackward_OneBackwardPassGivesTheWholeGradientOfAWideInputFunction()
    {
        // f: R^64 -> R. Backward mode: one pass, one VJP message per edge, and every partial derivative is there.
        // Forward mode would need 64 passes, one per input direction.
        var x = _s.Arange(64).RequiresGrad();
        var f = (x * x).Sum();
        var edges = GraphView.Of(f).Edges.Length;
        f.Backward();
        Assert.Equal((2 * _s.Arange(64)).ToArray(), x.Grad!.ToArray());
        Assert.Equal(3, edges); // x->mul twice, mul->sum: the whole gradient for 3 messages
    }

    [Fact]
    public void ForwardOrBackward_AWideOutputFunctionNeedsOneBackwardPassPerOutput()
    {
        // g: R -> R^64, g(x) = c * sin(x). Its Jacobian is a column; backward mode yields one row per pass (a head
        // gradient e_i each time), so 64 passes; forward mode would give the whole column in one.
        const int outputs = 64;
        var x = _s.Scalar(0.5f).RequiresGrad();
        var c = _s.Arange(outputs);
        var g = c * x.Sin();
        var passes = 0;
        var column = new float[outputs];
        for (var i = 0; i < outputs; i++)
        {
            x.ZeroGrad();
            var head = Tensor.Zeros(outputs);
            head.Span[i] = 1f;
            g.Backward(head, retainGraph: true);
            passes++;
            column[i] = x.Grad!.Item();
        }
        Assert.Equal(outputs, passes);
        for (var i = 0; i < outputs; i++) Assert.Equal(i * MathF.Cos(0.5f), column[i], 1e-5f);
    }
}
