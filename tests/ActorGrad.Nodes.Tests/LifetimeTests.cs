using Akka.Actor;

namespace ActorGrad.Nodes.Tests;

public sealed class LifetimeTests : IDisposable
{
    private readonly Session _s = new();
    public void Dispose() => _s.Dispose();

    [Fact]
    public void TenThousandTrainingStepsKeepTheNumberOfLiveActorsFlat()
    {
        var w = _s.RandomNormal(4).RequiresGrad();
        var b = _s.Zeros(1).RequiresGrad();
        var x = _s.RandomNormal(8, 4);
        var target = _s.Ones(8, 1);
        var baseline = _s.LiveNodeCount; // the two parameters
        Assert.Equal(2, baseline);
        float first = 0, last = 0;
        for (var i = 0; i < 10_000; i++)
        {
            var prediction = x.MatMul(w).Reshape(8, 1) + b;
            var loss = Var.Mse(prediction.Tanh(), target * 0.5f);
            loss.Backward();
            w.Step(0.05f);
            b.Step(0.05f);
            w.ZeroGrad();
            b.ZeroGrad();
            if (i == 0) first = loss.Item();
            last = loss.Item();
            // A non-retained pass frees the graph and its node actors stop at once, without waiting for the GC.
            Assert.Equal(baseline, _s.LiveNodeCount);
        }
        Assert.True(last < first / 10, $"loss went from {first} to {last}");
    }

    [Fact]
    public void NodesNoPassReachesStopOnceTheirHandlesAreCollected()
    {
        var a = _s.Scalar(0.3f).RequiresGrad();
        var baseline = _s.LiveNodeCount;
        RunControlFlow(a, 200);
        Assert.True(_s.LiveNodeCount > baseline);
        _s.Collect();
        _s.Collect(); // a node stops once its handle and its consumers are gone: a chain needs two rounds at most here
        Assert.Equal(baseline, _s.LiveNodeCount);
    }

    [Fact]
    public void RetainedGraphsStayUntilTheirHandlesGo()
    {
        var x = _s.Arange(3).RequiresGrad();
        var baseline = _s.LiveNodeCount;
        MakeRetained(x);
        Assert.True(_s.LiveNodeCount > baseline);
        _s.Collect();
        _s.Collect();
        Assert.Equal(baseline, _s.LiveNodeCount);
    }

    [Fact]
    public async Task DisposingASessionStopsExactlyItsOwnNodeActors()
    {
        using var other = new Session();
        var kept = other.Scalar(2f).RequiresGrad();
        var keptProduct = kept * kept;
        var s = new Session();
        var x = s.Scalar(3f).RequiresGrad();
        var y = x * x;
        var actors = new[] { s.Nodes, x.Node!.Actor, y.Node!.Actor };
        foreach (var actor in actors) Assert.NotNull((await actor.Ask<ActorIdentity>(new Identify(1), TimeSpan.FromSeconds(10))).Subject);
        await s.DisposeAsync();
        // Its parent and node actors are gone (dead letters answer an Identify with no subject)...
        foreach (var actor in actors) Assert.Null((await actor.Ask<ActorIdentity>(new Identify(2), TimeSpan.FromSeconds(10))).Subject);
        Assert.False(s.System.WhenTerminated.IsCompleted); // ...the shared system stays up
        Assert.Throws<ObjectDisposedException>(() => y.Item());
        // The other session's nodes still answer.
        keptProduct.Backward();
        Assert.Equal(4f, kept.Grad!.Item());
        Assert.Equal(1, other.LiveNodeCount); // the leaf; the product was freed by the pass
    }

    // Not inlined, so no handle made here can stay reachable from the test's frame.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void RunControlFlow(Var a, int times)
    {
        for (var i = 0; i < times; i++)
        {
            // The norms read in the loop condition are recorded but never backpropagated through.
            var b = a * 2;
            while (b.Norm().Item() < 1000) b = b * 2;
            b.Backward();
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void MakeRetained(Var x) => (x * x).Sum().Backward(retainGraph: true);
}
