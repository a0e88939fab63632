using ActorGrad.Engine.Tensors;
using ActorGrad.Protocol.Specs;

namespace ActorGrad.Cluster.Training;

/// <summary>
/// The batch of each step. An epoch is floor(n / B) windows of B examples (the remainder is left out, as PyTorch's
/// drop_last); step s is window s mod windows of epoch s / windows. With a <see cref="ShuffleSeed"/>, each epoch first
/// orders the examples by a permutation drawn from (seed, epoch) (<see cref="EpochShuffle"/>), as a DataLoader with
/// shuffle=True and a seeded generator; without one, the examples stay in order. A pure function of the step and the
/// seed, computed by the submitter alone, so a run sees the same batches on any number of members, and a resumed
/// run (the seed is in its checkpoint) exactly the batches the straight run saw.
/// </summary>
public sealed class MiniBatches
{
    private readonly GraphSpec _spec;
    private readonly IReadOnlyDictionary<string, Tensor> _dataset;
    private (long Epoch, int[] Order)? _epoch;

    public MiniBatches(GraphSpec spec, IReadOnlyDictionary<string, Tensor> dataset, int? batchSize = null, int? shuffleSeed = null)
    {
        _spec = spec ?? throw new ArgumentNullException(nameof(spec));
        _dataset = dataset ?? throw new ArgumentNullException(nameof(dataset));
        if (spec.DataInputs.IsDefaultOrEmpty) throw new ArgumentException("The spec has no data input to take batches along.");
        Examples = -1;
        foreach (var d in spec.DataInputs)
        {
            if (!dataset.TryGetValue(d.Name, out var t)) throw new ArgumentException($"The dataset has no data input '{d.Name}'.");
            var n = t.Shape[d.BatchAxis];
            if (Examples >= 0 && n != Examples) throw new ArgumentException($"The dataset's inputs disagree on the number of examples: '{d.Name}' has {n}, another {Examples}.");
            Examples = n;
        }
        BatchSize = batchSize ?? Examples;
        if (BatchSize < 1 || BatchSize > Examples)
            throw new ArgumentOutOfRangeException(nameof(batchSize), $"The batch size must be 1 to {Examples} (the dataset's examples), not {BatchSize}.");
        ShuffleSeed = shuffleSeed;
    }

    public int Examples { get; }
    public int BatchSize { get; }
    public int Windows => Examples / BatchSize;

    /// <summary>The seed of the per-epoch shuffle; null: the examples in their order, every epoch.</summary>
    public int? ShuffleSeed { get; }

    /// <summary>The same dataset and batch size with another shuffle seed (a resumed run takes its checkpoint's).</summary>
    public MiniBatches WithShuffleSeed(int? seed) => seed == ShuffleSeed ? this : new MiniBatches(_spec, _dataset, BatchSize, seed);

    /// <summary>The batch of step <paramref name="step"/> (0-based).</summary>
    public IReadOnlyDictionary<string, Tensor> For(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        // One batch of the whole dataset: every epoch has the same examples, and a new order would only change rounding.
        if (BatchSize == Examples) return _dataset;
        var start = (int)(step % Windows) * BatchSize;
        if (ShuffleSeed is not { } seed)
            return _spec.DataInputs.ToDictionary(d => d.Name, d => TensorOps.Slice(_dataset[d.Name], d.BatchAxis, start, BatchSize), StringComparer.Ordinal);
        var epoch = step / Windows;
        if (_epoch is not { } cached || cached.Epoch != epoch) _epoch = cached = (epoch, EpochShuffle.Permutation(seed, epoch, Examples));
        var examples = new ArraySegment<int>(cached.Order, start, BatchSize);
        return _spec.DataInputs.ToDictionary(d => d.Name, d => Gather(_dataset[d.Name], d.BatchAxis, examples), StringComparer.Ordinal);
    }

    /// <summary>The examples <paramref name="indices"/> of <paramref name="t"/> along <paramref name="axis"/>, in that order.</summary>
    private static Tensor Gather(Tensor t, int axis, ReadOnlySpan<int> indices)
    {
        var shape = t.Shape.ToArray();
        var outer = 1;
        for (var a = 0; a < axis; a++) outer *= shape[a];
        var inner = 1;
        for (var a = axis + 1; a < shape.Length; a++) inner *= shape[a];
        var n = shape[axis];
        shape[axis] = indices.Length;
        var data = new float[outer * indices.Length * inner];
        var source = t.Span;
        for (var o = 0; o < outer; o++)
            for (var k = 0; k < indices.Length; k++)
                source.Slice((o * n + indices[k]) * inner, inner).CopyTo(data.AsSpan((o * indices.Length + k) * inner, inner));
        return Tensor.FromArray(data, shape);
    }
}

/// <summary>
/// The order of the examples in an epoch: a Fisher-Yates shuffle driven by SplitMix64 seeded from (seed, epoch).
/// Our own generator on purpose: System.Random's seeded sequence is not promised to stay the same across .NET versions,
/// and a checkpoint resumed by another build must see the same batches.
/// </summary>
public static class EpochShuffle
{
    public static int[] Permutation(int seed, long epoch, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var order = new int[count];
        for (var i = 0; i < count; i++) order[i] = i;
        var state = unchecked((ulong)(uint)seed * 0x9E3779B97F4A7C15UL ^ (ulong)epoch * 0xD1B54A32D192ED03UL);
        for (var i = count - 1; i > 0; i--)
        {
            // A uniform index in 0..i: the high bits of a 64-bit draw times i + 1 (Lemire's method, bias below 2^-32).
            var j = (int)(((UInt128)Next(ref state) * (ulong)(i + 1)) >> 64);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    private static ulong Next(ref ulong state)
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
