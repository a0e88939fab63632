using ActorGrad.Cluster.Gradients;
using ActorGrad.Engine.Tensors;

namespace ActorGrad.Cluster.Tests.Gradients;

/// <summary>A run of the chain adds its pieces as they come, in shard order, with the bits of one left fold over 0..S-1.</summary>
public sealed class ChainRunTests
{
    private static Tensor[] Piece(int seed) =>
    [
        Tensor.RandomNormal(new Random(seed), 0f, 1e3f, 3, 5),
        Tensor.RandomNormal(new Random(seed + 100), 0f, 1e-3f, 7),
    ];

    private static Tensor[] LeftFold(IEnumerable<Tensor[]> pieces)
    {
        Tensor[]? sum = null;
        foreach (var p in pieces)
            sum = sum is null ? [.. p.Select(t => t.Clone())] : [.. sum.Zip(p, TensorOps.Add)];
        return sum!;
    }

    /// <summary>A copy to hand to the run, which takes its pieces over (the test keeps the originals for the expected fold).</summary>
    private static Tensor[] Copy(Tensor[] piece) => [.. piece.Select(t => t.Clone())];

    private static void SameBits(Tensor[] expected, Tensor[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
            Assert.Equal(expected[i].ToArray().Select(BitConverter.SingleToInt32Bits), actual[i].ToArray().Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void TheFirstRunSumsItsShardsAsTheyComeAndOnlyOnceAllAreIn()
    {
        var shards = Enumerable.Range(0, 3).Select(Piece).ToArray();
        var run = new ChainRun(0, 0, 2, "next", []);
        run.Add(0, Copy(shards[0]));
        Assert.Null(run.TryFold());
        run.Add(1, Copy(shards[1]));
        run.Add(1, Piece(99)); // a second run of shard 1: counted once
        Assert.Null(run.TryFold());
        run.Add(2, Copy(shards[2]));
        SameBits(LeftFold(shards), run.TryFold()!);
        Assert.Null(run.TryFold()); // handed on once
    }

    [Fact]
    public void ALaterRunWaitsForTheSumBeforeItAndAddsInShardOrder()
    {
        var shards = Enumerable.Range(0, 6).Select(Piece).ToArray();
        var run = new ChainRun(0, 3, 5, "", []);
        run.Add(4, Copy(shards[4])); // before its turn: kept
        run.Add(3, Copy(shards[3]));
        run.Add(5, Copy(shards[5]));
        Assert.Null(run.TryFold());
        run.Before(LeftFold(shards[..3]));
        SameBits(LeftFold(shards), run.TryFold()!);
    }

    [Fact]
    public void TheSumBeforeMayComeFirst()
    {
        var shards = Enumerable.Range(0, 5).Select(Piece).ToArray();
        var run = new ChainRun(1, 2, 4, "", []);
        run.Before(LeftFold(shards[..2]));
        run.Add(2, Copy(shards[2]));
        run.Add(3, Copy(shards[3]));
        Assert.Null(run.TryFold());
        run.Add(4, Copy(shards[4]));
        SameBits(LeftFold(shards), run.TryFold()!);
    }

    [Fact]
    public void APieceOfAnotherShapeIsAClearError()
    {
        var run = new ChainRun(0, 1, 1, "", []);
        run.Before([Tensor.Zeros(3, 5), Tensor.Zeros(7)]);
        var e = Assert.Throws<InvalidOperationException>(() => run.Add(1, [Tensor.Zeros(5, 3), Tensor.Zeros(7)]));
        Assert.Contains("shape", e.Message);
        var shorter = new ChainRun(0, 1, 1, "", []);
        shorter.Before([Tensor.Zeros(3, 5)]);
        Assert.Throws<InvalidOperationException>(() => shorter.Add(1, [Tensor.Zeros(3, 5), Tensor.Zeros(7)]));
    }

    [Fact]
    public void TheRunTakesItsPiecesOverAndDisposesWhatItNoLongerNeeds()
    {
        var shards = Enumerable.Range(0, 3).Select(Piece).ToArray();
        var given = shards.Select(Copy).ToArray();
        var again = Copy(shards[1]);
        var run = new ChainRun(0, 0, 2, "next", []);
        run.Add(2, given[2]); // before its turn: kept as it is, not copied
        Assert.All(given[2], t => Assert.False(t.IsDisposed));
        run.Add(0, given[0]); // shard 0 becomes the sum itself
        run.Add(1, given[1]);
        run.Add(1, again); // a second run of a shard is dropped
        Assert.All(again, t => Assert.True(t.IsDisposed));
        Assert.All(given[1].Concat(given[2]), t => Assert.True(t.IsDisposed)); // added into the sum
        var sum = run.TryFold()!;
        Assert.Same(given[0][0], sum[0]);
        SameBits(LeftFold(shards), sum);
        run.Dispose(); // the folded sum is the caller's now
        Assert.All(sum, t => Assert.False(t.IsDisposed));
    }

    [Fact]
    public void AnAbandonedRunGivesBackWhatItHolds()
    {
        var shards = Enumerable.Range(0, 6).Select(Piece).ToArray();
        var early = Copy(shards[5]);
        var before = LeftFold(shards[..3]);
        var run = new ChainRun(0, 3, 5, "", []);
        run.Add(5, early);
        run.Before(before);
        run.Add(3, Copy(shards[3]));
        run.Dispose(); // a newer round replaced it, or its job ended
        Assert.All(early.Concat(before), t => Assert.True(t.IsDisposed));
        var late = Copy(shards[4]);
        run.Add(4, late); // a shard that finishes after the run was abandoned is dropped, not kept
        Assert.All(late, t => Assert.True(t.IsDisposed));
        Assert.Null(run.TryFold());
    }

    [Fact]
    public void APieceThatDoesNotFitIsDisposedWithItsError()
    {
        var run = new ChainRun(0, 1, 1, "", []);
        run.Before([Tensor.Zeros(3, 5), Tensor.Zeros(7)]);
        Tensor[] wrong = [Tensor.Zeros(5, 3), Tensor.Zeros(7)];
        Assert.Throws<InvalidOperationException>(() => run.Add(1, wrong));
        Assert.All(wrong, t => Assert.True(t.IsDisposed));
    }
}
