using ActorGrad.Engine.Tensors;
using ActorGrad.Protocol.Specs;

namespace ActorGrad.Cluster.Training;

/// <summary>
/// The batch of each step: the dataset cut along every data input's batch axis into floor(n / B) consecutive windows
/// of B examples (the remainder is left out, as PyTorch's drop_last), step s taking window s mod windows. A pure
/// function of the step, so a resumed run sees exactly the batches the straight run saw.
/// </summary>
public sealed class MiniBatches
{
    private readonly GraphSpec _spec;
    private readonly IReadOnlyDictionary<string, Tensor> _dataset;

    public MiniBatches(GraphSpec spec, IReadOnlyDictionary<string, Tensor> dataset, int? batchSize = null)
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
    }

    public int Examples { get; }
    public int BatchSize { get; }
    public int Windows => Examples / BatchSize;

    /// <summary>The batch of step <paramref name="step"/> (0-based).</summary>
    public IReadOnlyDictionary<string, Tensor> For(long step)
    {
        if (BatchSize == Examples) return _dataset;
        var start = (int)(step % Windows) * BatchSize;
        return _spec.DataInputs.ToDictionary(d => d.Name, d => TensorOps.Slice(_dataset[d.Name], d.BatchAxis, start, BatchSize), StringComparer.Ordinal);
    }
}
