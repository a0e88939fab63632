namespace ActorGrad.Nodes.Tests;

/// <summary>Long recorded chains: node actors hand messages on through the dispatcher's queue, never by recursion.</summary>
public sealed class DeepChainTests : IDisposable
{
    private readonly Session _s = new();
    public void Dispose() => _s.Dispose();

    [Fact]
    public void AHundredThousandOpChainRecordsAndBackpropagatesWithoutOverflowingTheStack()
    {
        const int ops = 100_000;
        var x = _s.Scalar(1f).RequiresGrad();
        var y = x;
        for (var i = 0; i < ops; i++) y = y + 0f;
        // The value reached the end, and the whole chain is alive until the pass.
        Assert.Equal(1f, y.Item());
        Assert.Equal(ops + 1, _s.LiveNodeCount);
        y.Backward(); // 100,000 Gradient messages, each told from inside the previous node's receive
        Assert.Equal(1f, x.Grad!.Item());
        Assert.Equal(1, _s.LiveNodeCount); // a non-retained pass freed the chain: only x is left
    }
}
