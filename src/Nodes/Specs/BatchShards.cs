using ActorGrad.Engine.Tensors;
using ActorGrad.Protocol.Specs;

namespace ActorGrad.Nodes.Specs;

/// <summary>Splitting a batch into shards along each data input's batch axis.</summary>
public static class BatchShards
{
    /// <summary>
    /// The <paramref name="count"/> shards of <paramref name="batch"/>, in order, contiguous, their sizes differing by
    /// at most one (the first ones larger). The number of shards is the job's choice, never the number of members.
    /// </summary>
    public static IReadOnlyList<Dictionary<string, Tensor>> Split(GraphSpec spec, IReadOnlyDictionary<string, Tensor> batch, int count)
    {
        var shards = new List<Dictionary<string, Tensor>>(count);
        foreach (var (start, size) in Ranges(spec, batch, count))
        {
            var shard = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (var d in spec.DataInputs)
                shard[d.Name] = TensorOps.Slice(batch[d.Name], d.BatchAxis, start, size);
            shards.Add(shard);
        }
        return shards;
    }

    /// <summary>The examples (first, count) of each of the <paramref name="count"/> shards that <see cref="Split"/> makes.</summary>
    public static (int Start, int Size)[] Ranges(GraphSpec spec, IReadOnlyDictionary<string, Tensor> batch, int count)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(batch);
        var first = spec.DataInputs[0];
        var examples = batch.TryGetValue(first.Name, out var t) ? t.Shape[first.BatchAxis]
            : throw new SpecRejectedException($"Data input '{first.Name}' is missing from the batch.");
        if (count < 1 || count > examples)
            throw new ArgumentOutOfRangeException(nameof(count), $"A batch of {examples} examples splits into 1 to {examples} shards, not {count}.");
        var ranges = new (int, int)[count];
        for (int s = 0, start = 0; s < count; s++)
        {
            var size = examples / count + (s < examples % count ? 1 : 0);
            ranges[s] = (start, size);
            start += size;
        }
        return ranges;
    }
}
