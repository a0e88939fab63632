using ActorGrad.Engine.Tensors;
using ActorGrad.Protocol.Nodes;

namespace ActorGrad.Nodes.Tests;

/// <summary>Every example of the four seed chapters, with the numbers they print.</summary>
public sealed class SeedExampleTests : IDisposable
{
    private readonly Session _s = new();
    public void Dispose() => _s.Dispose();

    [Fact]
    public void ASimpleFunction()
    {
        var x = _s.Arange(4);
        Assert.Equal("tensor([0., 1., 2., 3.])", x.ToString());
        x.RequiresGrad();
        Assert.Null(x.Grad);
        var y = 2 * Var.Dot(x, x);
        Assert.Equal("tensor(28., grad_fn=<mul>)", y.ToString());
        y.Backward();
        Assert.Equal([0f, 4f, 8f, 12f], x.Grad!.ToArray());
        Assert.Equal((4 * x).ToArray(), x.Grad!.ToArray());
    }

    [Fact]
    public void GradientsAccumulateUntilZeroed()
    {
        var x = _s.Arange(4).RequiresGrad();
        (2 * Var.Dot(x, x)).Backward();
        var y = x.Sum();
        Assert.Equal(6f, y.Item());
        y.Backward();
        Assert.Equal([1f, 5f, 9f, 13f], x.Grad!.ToArray()); // PyTorch accumulates
        x.ZeroGrad();
        y = x.Sum();
        y.Backward();
        Assert.Equal([1f, 1f, 1f, 1f], x.Grad!.ToArray());
    }

    [Fact]
    public void BackwardForNonScalarVariables()
    {
        var x = _s.Arange(4).RequiresGrad();
        var y = x * x;
        var error = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("grad can be implicitly created only for scalar outputs", error.Message);

        y.Backward(Tensor.Ones(4));
        Assert.Equal([0f, 2f, 4f, 6f], x.Grad!.ToArray());

        x.ZeroGrad();
        (x * x).Sum().Backward();
        Assert.Equal([0f, 2f, 4f, 6f], x.Grad!.ToArray());

        x.ZeroGrad();
        (x * x).Backward(implicitSum: true); // MXNet and TF: the gradient of the sum
        Assert.Equal([0f, 2f, 4f, 6f], x.Grad!.ToArray());
    }

    [Fact]
    public void MxNetWriteModeOverwrites()
    {
        var x = _s.Arange(4).AttachGrad();
        Assert.Equal([0f, 0f, 0f, 0f], x.Grad!.ToArray()); // attach_grad starts at zeros
        using (_s.Record()) (2f * Var.Dot(x, x)).Backward();
        Assert.Equal([0f, 4f, 8f, 12f], x.Grad!.ToArray());
        using (_s.Record()) x.Sum().Backward();
        Assert.Equal([1f, 1f, 1f, 1f], x.Grad!.ToArray()); // overwritten, not added

        using (_s.Record()) (x * x).Backward(implicitSum: true);
        var u = x.Detach().AttachGrad();
        using (_s.Record()) (u * u).Sum().Backward();
        Assert.Equal(x.Grad!.ToArray(), u.Grad!.ToArray());
    }

    [Fact]
    public void DetachingComputation()
    {
        var x = _s.Arange(4).RequiresGrad();
        var y = x * x;
        var u = y.Detach();
        var z = u * x;
        z.Sum().Backward();
        Assert.Equal(u.ToArray(), x.Grad!.ToArray());
        x.ZeroGrad();
        y.Sum().Backward();
        Assert.Equal((2 * x).ToArray(), x.Grad!.ToArray());
    }

    [Fact]
    public void MxNetDetachThenBackwardTheStillRecordedPart()
    {
        var x = _s.Arange(4).AttachGrad();
        Var y, z;
        using (_s.Record())
        {
            y = x * x;
            var u = y.Detach();
            z = u * x;
        }
        z.Backward(implicitSum: true);
        Assert.Equal((x * x).ToArray(), x.Grad!.ToArray());
        y.Backward(implicitSum: true);
        Assert.Equal((2 * x).ToArray(), x.Grad!.ToArray());
    }

    [Fact]
    public void MxNetAttachGradToAnInternalVariable()
    {
        var x = _s.Arange(4).AttachGrad();
        var y = (_s.Ones(4) * 2).AttachGrad();
        Var u, z;
        using (_s.Record())
        {
            u = x * y;
            u.AttachGrad(); // implicitly u = u.detach()
            z = u + x;
        }
        z.Backward(implicitSum: true);
        Assert.Equal([1f, 1f, 1f, 1f], x.Grad!.ToArray());
        Assert.Equal([1f, 1f, 1f, 1f], u.Grad!.ToArray());
        Assert.Equal([0f, 0f, 0f, 0f], y.Grad!.ToArray());
    }

    [Fact]
    public void MxNetHeadGradients()
    {
        var x = _s.Arange(4).AttachGrad();
        var y = (_s.Ones(4) * 2).AttachGrad();
        Var u, v, z;
        using (_s.Record())
        {
            u = x * y;
            v = u.Detach(); // u still keeps the computation graph
            v.AttachGrad();
            z = v + x;
        }
        z.Backward(implicitSum: true);
        Assert.Equal([1f, 1f, 1f, 1f], x.Grad!.ToArray());
        Assert.Equal([0f, 0f, 0f, 0f], y.Grad!.ToArray());
        u.Backward(v.Grad!);
        Assert.Equal([2f, 2f, 2f, 2f], x.Grad!.ToArray());
        Assert.Equal([0f, 1f, 2f, 3f], y.Grad!.ToArray());
    }

    private static Var F(Var a, bool mxnet = false)
    {
        var b = a * 2;
        while ((mxnet ? b.Abs().Sum() : b.Norm()).Item() < 1000) b = b * 2;
        return b.Sum().Item() > 0 ? b : 100 * b;
    }

    [Fact]
    public void ControlFlowSeedValue()
    {
        var a = _s.Scalar(0.0139f).RequiresGrad();
        var d = F(a);
        d.Backward();
        Assert.Equal(131072f, a.Grad!.Item());
        Assert.Equal((d / a).Item(), a.Grad!.Item());
        Assert.Equal(1821.9008f, d.Item(), 3); // 0.0139 * 2^17 (the seed printed 1823.8965 for its unrounded a)
    }

    [Fact]
    public void ControlFlowHundredRandomValuesIncludingNegative()
    {
        var rng = new Random(1234);
        for (var i = 0; i < 100; i++)
        {
            var value = (float)(rng.NextDouble() * 4 - 2);
            if (i == 0) value = -0.75f;
            foreach (var mxnet in new[] { false, true })
            {
                var a = _s.Scalar(value).RequiresGrad();
                var d = F(a, mxnet);
                d.Backward();
                var grad = a.Grad!.Item();
                // f is linear in a: the gradient is exactly 2^k (or 100 * 2^k), and d / a equals it up to float rounding.
                var unit = grad > 0 && float.IsPow2(grad) ? grad : grad / 100f;
                Assert.True(float.IsPow2(unit), $"a = {value}: gradient {grad} is not 2^k or 100 * 2^k");
                Assert.Equal((d / a).Item(), grad, grad * 1e-6f);
            }
        }
    }

    [Fact]
    public void BackwardTwiceFailsUnlessRetained()
    {
        var x = _s.Arange(4).RequiresGrad();
        var y = (x * x).Sum();
        y.Backward();
        var error = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("backward through the graph a second time", error.Message);
        Assert.Contains("retainGraph", error.Message);

        x.ZeroGrad();
        var r = (x * x).Sum();
        r.Backward(retainGraph: true);
        r.Backward();
        Assert.Equal([0f, 4f, 8f, 12f], x.Grad!.ToArray());
        Assert.Throws<InvalidOperationException>(() => r.Backward());
    }

    [Fact]
    public void TrainingFlagInsideAndOutsideRecord()
    {
        Assert.False(_s.IsTraining);
        using (_s.Record())
        {
            Assert.True(_s.IsTraining);
            using (_s.PredictMode()) Assert.False(_s.IsTraining);
            Assert.True(_s.IsTraining);
        }
        Assert.False(_s.IsTraining);
        using (_s.Record(trainMode: false)) Assert.False(_s.IsTraining);
        using (_s.TrainMode()) Assert.True(_s.IsTraining);
    }

    [Fact]
    public void DropoutObeysTheTrainingFlag()
    {
        var x = _s.Ones(1000).RequiresGrad();
        Assert.Equal(x.ToArray(), Var.Dropout(x, 0.5f).ToArray()); // predict mode: identity
        using (_s.Record())
        {
            var dropped = Var.Dropout(x, 0.5f);
            var values = dropped.ToArray();
            Assert.All(values, v => Assert.True(v == 0f || v == 2f));
            Assert.InRange(values.Count(v => v == 0f), 400, 600);
            dropped.Sum().Backward();
            Assert.Equal(values, x.Grad!.ToArray()); // the gradient goes through the kept elements only
        }
    }
}
