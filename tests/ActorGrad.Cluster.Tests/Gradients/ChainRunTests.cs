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
        run.Add(0, shards[0]);
        Assert.Null(run.TryFold());
        run.Add(1, shards[1]);
        run.Add(1, Piece(99)); // a second run of shard 1: counted once
        Assert.Null(run.TryFold());
        run.Add(2, shards[2]);
        SameBits(LeftFold(shards), run.TryFold()!);
        Assert.Null(run.TryFold()); // handed on once
    }

    [Fact]
    public void ALaterRunWaitsForTheSumBeforeItAndAddsInShardOrder()
    {
        var shards = Enumerable.Range(0, 6).Select(Piece).ToArray();
        var run = new ChainRun(0, 3, 5, "", []);
        run.Add(4, shards[4]); // before its turn: kept
        run.Add(3, shards[3]);
        run.Add(5, shards[5]);
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
        run.Add(2, shards[2]);
        run.Add(3, shards[3]);
        Assert.Null(run.TryFold());
        run.Add(4, shards[4]);
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
}
