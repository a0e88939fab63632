using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes.Ops;

namespace ActorGrad.Nodes.Tests;

public sealed class ErrorTests : IDisposable
{
    private readonly Session _s = new();
    public void Dispose() => _s.Dispose();

    [Fact]
    public void ShapeMismatchThrowsAtTheCallSiteWithBothShapes()
    {
        var a = _s.Zeros(2, 3).RequiresGrad();
        var b = _s.Zeros(4);
        var liveBefore = _s.LiveNodeCount;
        var error = Assert.Throws<ArgumentException>(() => a + b);
        Assert.Contains("[2, 3]", error.Message);
        Assert.Contains("[4]", error.Message);
        Assert.Equal(liveBefore, _s.LiveNodeCount); // nothing was spawned for the bad op
        var matmul = Assert.Throws<ArgumentException>(() => a.MatMul(_s.Zeros(2, 2)));
        Assert.Contains("matmul", matmul.Message);
        Assert.Throws<ArgumentException>(() => Var.Dot(_s.Zeros(3), _s.Zeros(4)));
        Assert.Throws<ArgumentException>(() => a.Sum(5));
        Assert.Throws<ArgumentException>(() => a.Reshape(4, -1));
    }

    private sealed class ThrowingRule : IVjpRule
    {
        public T Vjp<T>(IAlgebra<T> m, int input, in VjpArgs<T> a) => throw new ArithmeticException("kernel failed in backward");
    }

    [Fact]
    public void AKernelExceptionInBackwardFailsBackwardWithThatExceptionAndCleansUp()
    {
        var x = _s.Arange(3).RequiresGrad();
        var exploding = OpTable.Exp with { Name = "exploding", Gradient = new ThrowingRule() };
        var y = _s.Apply(exploding, OpAttributes.None, x * 2).Sum();
        var error = Assert.Throws<ArithmeticException>(() => y.Backward());
        Assert.Equal("kernel failed in backward", error.Message);
        // The engine is still usable, and the leaf got nothing from the failed pass.
        Assert.Null(x.Grad);
        (x * x).Sum().Backward();
        Assert.Equal([0f, 2f, 4f], x.Grad!.ToArray());
    }

    [Fact]
    public void AKernelExceptionInForwardSurfacesOnReadAndOnBackward()
    {
        var x = _s.Arange(3).RequiresGrad();
        var failing = OpTable.Exp with { Name = "failing", Forward = (_, _) => throw new DivideByZeroException("forward failed") };
        var y = _s.Apply(failing, OpAttributes.None, x);
        var read = Assert.Throws<InvalidOperationException>(() => y.ToArray());
        Assert.IsType<DivideByZeroException>(read.InnerException);
        var z = y * 2; // consumers of a failed node fail too
        Assert.Throws<InvalidOperationException>(() => z.Item());
        var backward = Assert.ThrowsAny<Exception>(() => y.Sum().Backward());
        Assert.Contains("forward failed", backward.ToString());
    }

    [Fact]
    public void BackwardOnSomethingThatNeedsNoGradient()
    {
        var c = _s.Arange(3).Sum();
        var error = Assert.Throws<InvalidOperationException>(() => c.Backward());
        Assert.Contains("does not require grad", error.Message);
        using (_s.NoGrad())
        {
            var x = _s.Arange(3).RequiresGrad();
            var y = (x * x).Sum(); // not recorded
            Assert.False(y.RequiresGradient);
            Assert.Throws<InvalidOperationException>(() => y.Backward());
        }
    }

    [Fact]
    public void HeadGradientOfTheWrongShapeIsRejected()
    {
        var x = _s.Arange(3).RequiresGrad();
        var error = Assert.Throws<ArgumentException>(() => (x * x).Backward(Tensor.Ones(4)));
        Assert.Contains("[4]", error.Message);
        Assert.Contains("[3]", error.Message);
    }

    [Fact]
    public void AVarFromADisposedSessionSaysSo()
    {
        var s = new Session();
        var x = s.Arange(3).RequiresGrad();
        var y = x * x;
        s.Dispose();
        Assert.Throws<ObjectDisposedException>(() => y.ToArray());
        Assert.Throws<ObjectDisposedException>(() => x * 2);
        Assert.Throws<ObjectDisposedException>(() => y.Sum().Backward());
        Assert.Throws<ObjectDisposedException>(() => s.Arange(2).RequiresGrad());
    }

    [Fact]
    public void VarsOfDifferentSessionsDoNotMix()
    {
        using var other = new Session();
        var error = Assert.Throws<ArgumentException>(() => _s.Arange(3) + other.Arange(3));
        Assert.Contains("another session", error.Message);
    }

    [Fact]
    public void OnlyLeavesChangeTheirGradientFlag()
    {
        var x = _s.Arange(3).RequiresGrad();
        var y = x * 2;
        Assert.Throws<InvalidOperationException>(() => y.RequiresGrad(false));
        Assert.Throws<InvalidOperationException>(() => y.Step(0.1f));
        x.RequiresGrad(false);
        Assert.False(x.RequiresGradient);
        Assert.Equal([0f, 1f, 2f], x.ToArray());
    }

    [Fact]
    public void DropoutRejectsABadProbability()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Var.Dropout(_s.Ones(3), 1.5f));
        Assert.Throws<ArgumentException>(() => Var.CrossEntropy(_s.Ones(2, 3), [0]));
    }
}
