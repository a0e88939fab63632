using ActorGrad.Engine.Tensors;

namespace ActorGrad.Nodes.Tests;

/// <summary>
/// Exercises of the first seed (d2l "Automatic Differentiation") that need the selection ops: the control flow
/// example with a vector or matrix <c>a</c> (exercise 2 in the seed's list, "exercise 3" counting the chapter's
/// PyTorch numbering) and the second-price auction (exercise 4). README "Exercises" points here.
/// </summary>
public sealed class SeedExerciseOpsTests : IDisposable
{
    private readonly Session _s = new();
    public void Dispose() => _s.Dispose();

    /// <summary>The seed's f: doubles b until its norm reaches 1000, then keeps it or scales it by 100 by the sign of its sum.</summary>
    private static Var F(Var a)
    {
        var b = a * 2;
        while (b.Norm().Item() < 1000) b = b * 2;
        return b.Sum().Item() > 0 ? b : 100 * b;
    }

    [Theory]
    [InlineData(new[] { 5 })]
    [InlineData(new[] { 3, 4 })]
    public void ControlFlowWithAVectorOrMatrixNeedsAHeadGradient(int[] shape)
    {
        var a = _s.RandomNormal(shape).RequiresGrad();
        var d = F(a);
        // d is no longer a scalar: as in PyTorch, backward without a head gradient is refused.
        Assert.Equal(shape, d.Shape);
        var error = Assert.Throws<InvalidOperationException>(() => d.Backward());
        Assert.Contains("grad can be implicitly created only for scalar outputs", error.Message);

        // f is piecewise linear, d = k * a for one k chosen by the control flow: with the head gradient ones
        // (the gradient of d.Sum()) every element of the gradient is k = d / a.
        d.Backward(Tensor.Ones(shape), retainGraph: true);
        var k = d.ToArray().Zip(a.ToArray(), (di, ai) => di / ai).ToArray();
        Assert.All(k, ki => Assert.Equal(k[0], ki, k[0] * 1e-5f));
        Assert.All(a.Grad!.ToArray(), g => Assert.Equal(k[0], g, k[0] * 1e-5f));

        // The same by summing first: d.Sum() is a scalar, its gradient the same k (accumulated: now 2k).
        d.Sum().Backward();
        Assert.All(a.Grad!.ToArray(), g => Assert.Equal(2 * k[0], g, k[0] * 1e-5f));
    }

    [Fact]
    public void SecondPriceAuctionPriceDoesNotDependOnTheWinnersBid()
    {
        // Bids of five bidders; the highest wins and pays the second-highest bid.
        var bids = _s.Tensor([3.0f, 7.5f, 1.0f, 6.0f, 4.2f], 5).RequiresGrad();
        var winner = (int)bids.ArgMax().Item();
        var price = bids.TopK(2).Select(1);
        Assert.Equal(1, winner);
        Assert.Equal(6.0f, price.Item());

        price.Backward();
        // d price / d bid: 0 for the winner (raising or lowering the winning bid does not change what they pay),
        // 1 for the runner-up (the price is their bid), 0 for everyone else.
        Assert.Equal([0f, 0f, 0f, 1f, 0f], bids.Grad!.ToArray());
    }

    [Fact]
    public void SecondPriceAuctionBySortingGivesTheSameGradient()
    {
        var bids = _s.Tensor([3.0f, 7.5f, 1.0f, 6.0f, 4.2f], 5).RequiresGrad();
        var price = bids.Sort(descending: true)[1..2].Sum();
        price.Backward();
        Assert.Equal([0f, 0f, 0f, 1f, 0f], bids.Grad!.ToArray());
    }
}
