using System.Collections.Immutable;
using ActorGrad.Engine.Tensors;
using ActorGrad.Protocol.Gradients;

namespace ActorGrad.Cluster.Training;

/// <summary>
/// A training run between steps: <see cref="Step"/> steps taken, the parameters after them (names and values in the
/// spec's order), each parameter's optimizer state and the seed of the mini-batches' shuffle. Everything a resumed run
/// needs to continue bitwise.
/// </summary>
public sealed record TrainingState(
    long Step, OptimizerSettings Optimizer, ImmutableArray<string> Names, ImmutableArray<Tensor> Parameters, ImmutableArray<ImmutableArray<Tensor>> OptimizerState)
{
    /// <summary>The seed of the per-epoch shuffle of the run's mini-batches (<see cref="MiniBatches.ShuffleSeed"/>); null: unshuffled.</summary>
    public int? ShuffleSeed { get; init; }

    /// <summary>The parameter named <paramref name="name"/>.</summary>
    public Tensor Parameter(string name)
    {
        var i = Names.IndexOf(name);
        return i >= 0 ? Parameters[i] : throw new KeyNotFoundException($"The run has no parameter named '{name}'.");
    }

    /// <summary>The parameters by name.</summary>
    public IReadOnlyDictionary<string, Tensor> ParameterMap() =>
        Names.Select((n, i) => (n, Parameters[i])).ToDictionary(p => p.n, p => p.Item2, StringComparer.Ordinal);

    /// <summary>SHA-256 over the parameters' float32 bytes (little-endian), in order: two runs compare by this.</summary>
    public string ParametersSha256()
    {
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var p in Parameters)
        {
            var bytes = new byte[p.Length * sizeof(float)];
            for (var i = 0; i < p.Length; i++) System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), p.Span[i]);
            sha.AppendData(bytes);
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}

/// <summary>One finished step of a training run: its loss (before the update), members used and wall time.</summary>
public readonly record struct TrainingStep(long Step, float Loss, int Members, TimeSpan Elapsed);
