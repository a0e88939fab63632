namespace ActorGrad.Nodes.Tests;

/// <summary>
/// The TensorFlow version of the seed chapter. A tf.Variable whose gradient a tape overwrites is a
/// write-mode leaf (AttachGrad); t.gradient of a non-scalar is the gradient of its sum (implicitSum);
/// a persistent tape is a retained graph.
/// </summary>
public sealed class TensorFlowSeedTests : IDisposable
{
    private readonly Session _s = new();
    public void Dispose() => _s.Dispose();

    [Fact]
    public void TapeGradientsOverwriteAndSumNonScalars()
    {
        var x = _s.Arange(4).AttachGrad(); // x = tf.Variable(tf.range(4))
        var y = 2 * Var.Dot(x, x);
        y.Backward();
        Assert.Equal((4 * x).ToArray(), x.Grad!.ToArray());

        x.Sum().Backward();
        Assert.Equal([1f, 1f, 1f, 1f], x.Grad!.ToArray()); // overwritten by the new gradient

        (x * x).Backward(implicitSum: true); // same as reduce_sum(x * x)
        Assert.Equal([0f, 2f, 4f, 6f], x.Grad!.ToArray());
    }

    [Fact]
    public void PersistentTapeWithStopGradient()
    {
        var x = _s.Arange(4).AttachGrad();
        var y = x * x;
        var u = y.Detach(); // tf.stop_gradient
        var z = u * x;
        z.Backward(implicitSum: true, retainGraph: true);
        Assert.Equal(u.ToArray(), x.Grad!.ToArray());
        y.Backward(implicitSum: true, retainGraph: true);
        Assert.Equal((2 * x).ToArray(), x.Grad!.ToArray());
    }

    [Fact]
    public void ControlFlowThroughATape()
    {
        static Var F(Var a)
        {
            var b = a * 2;
            while (b.Norm().Item() < 1000) b = b * 2;
            return b.Sum().Item() > 0 ? b : 100 * b;
        }
        var a = _s.Scalar(-1.234f).AttachGrad();
        var d = F(a);
        d.Backward();
        Assert.Equal((d / a).Item(), a.Grad!.Item(), a.Grad!.Item() * 1e-6f);
    }
}
