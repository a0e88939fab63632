using ActorGrad.Engine.Tensors;

namespace ActorGrad.Nodes.Tests;

/// <summary>
/// Element-wise nodes on large values defer them and fuse chains (forward and backward) into single passes; what a
/// user observes is unchanged: every node's value and every gradient has the bits the op-by-op path gives (the
/// same chain on slices below the deferral threshold), intermediate values stay readable after the pass, and a
/// parameter stepped after recording does not change what was recorded.
/// </summary>
public sealed class DeferredValueTests : IDisposable
{
    private const int Slices = 4;
    private const int SliceLength = TensorOps.Deferred.DeferThreshold / 2 + 3; // below the threshold: op by op
    private const int Length = Slices * SliceLength; // above it: deferred and fused
    private readonly Session _s = new();
    public void Dispose() => _s.Dispose();

    private static float[] Data(int seed, int length)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    }

    /// <summary>eltwise_1M's block twice, then paths that join (sub, div, add of two uses of one value); the intermediates it made.</summary>
    private static (Var Result, List<Var> Intermediates) Chain(Var v, Var w)
    {
        var kept = new List<Var>();
        var h = v;
        for (var i = 0; i < 2; i++)
        {
            var m = h * 1.01f;
            var a = m + 0.1f;
            var t = a.Tanh();
            var n = -t;
            var sq = n * t;
            h = sq.Exp();
            kept.AddRange([m, a, t, n, sq, h]);
        }
        var d = (h - w) / (w * w + 1f);
        var r = d + h * 0.5f;
        kept.AddRange([d, r]);
        return (r, kept);
    }

    [Fact]
    public void ValuesAndGradientsHaveTheOpByOpBits()
    {
        var vData = Data(1, Length);
        var wData = Data(2, Length);

        var v = _s.Tensor(vData, Length).RequiresGrad();
        var w = _s.Tensor(wData, Length).RequiresGrad();
        var (result, intermediates) = Chain(v, w);
        intermediates[4].RetainGrad(); // a deferred intermediate's gradient
        result.Sum().Backward();
        // Read after the pass, when the nodes have ended and the handles hold the values.
        var values = intermediates.Select(x => x.ToArray()).ToList();
        var retained = intermediates[4].Grad!.ToArray();
        var vGrad = v.Grad!.ToArray();
        var wGrad = w.Grad!.ToArray();

        for (var slice = 0; slice < Slices; slice++)
        {
            var range = new Range(slice * SliceLength, (slice + 1) * SliceLength);
            var vs = _s.Tensor(vData[range], SliceLength).RequiresGrad();
            var ws = _s.Tensor(wData[range], SliceLength).RequiresGrad();
            var (rs, expected) = Chain(vs, ws);
            expected[4].RetainGrad();
            rs.Sum().Backward();
            for (var i = 0; i < expected.Count; i++) Assert.Equal(expected[i].ToArray(), values[i][range]);
            Assert.Equal(expected[4].Grad!.ToArray(), retained[range]);
            Assert.Equal(vs.Grad!.ToArray(), vGrad[range]);
            Assert.Equal(ws.Grad!.ToArray(), wGrad[range]);
        }
    }

    [Fact]
    public void GradientsAccumulateOverPassesAsOpByOp()
    {
        var vData = Data(3, Length);
        var v = _s.Tensor(vData, Length).RequiresGrad();
        var w = _s.Tensor(Data(4, Length), Length);
        for (var pass = 0; pass < 2; pass++) Chain(v, w).Result.Sum().Backward();
        var accumulated = v.Grad!.ToArray();

        var vs = _s.Tensor(vData[..SliceLength], SliceLength).RequiresGrad();
        var ws = _s.Tensor(w.ToArray()[..SliceLength], SliceLength);
        for (var pass = 0; pass < 2; pass++) Chain(vs, ws).Result.Sum().Backward();
        Assert.Equal(vs.Grad!.ToArray(), accumulated[..SliceLength]);
    }

    [Fact]
    public void AParameterSteppedAfterRecordingLeavesRecordedValuesAsTheyWere()
    {
        var x = _s.Tensor(Data(5, Length), Length).RequiresGrad();
        var y = (x * 2f + 1f).Exp() * 3f; // y's own value is never needed by its backward: deferred
        var z = x * 0.5f;
        var expectedY = y.ToArray();
        var expectedZ = z.ToArray();
        // Recorded again, unread, then the parameter moves; reading afterwards still gives the recorded values.
        var y2 = (x * 2f + 1f).Exp() * 3f;
        var z2 = x * 0.5f;
        (y2 + z2).Sum().Backward();
        x.Step(0.1f);
        Assert.Equal(expectedY, y2.ToArray());
        Assert.Equal(expectedZ, z2.ToArray());
    }
}
