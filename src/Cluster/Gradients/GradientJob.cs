using System.Collections.Immutable;
using ActorGrad.Engine.Tensors;
using ActorGrad.Protocol.Gradients;
using ActorGrad.Protocol.Specs;

namespace ActorGrad.Cluster.Gradients;

/// <summary>
/// A gradient job: the loss and the gradients of <see cref="Spec"/> at <see cref="Parameters"/> over the whole
/// <see cref="Batch"/>, computed on the cluster's worker members in <see cref="Shards"/> shards. The number of shards
/// is the job's, never the number of members: it fixes the order in which contributions add up, so the result is
/// bitwise the same on any number of members. The parameters and the batch are read, not copied, whenever the job
/// sends them (again after a lost member): leave them unchanged and undisposed until the job's task completes.
/// </summary>
public sealed record GradientJob(
    GraphSpec Spec,
    IReadOnlyDictionary<string, Tensor> Parameters,
    IReadOnlyDictionary<string, Tensor> Batch,
    int Shards)
{
    /// <summary>Rotates which worker gets owner i and shard s (i + offset, s + offset mod n): placement never changes the result.</summary>
    public int PlacementOffset { get; init; }

    /// <summary>An upper bound on the whole job; past it the job fails with a <see cref="GradientJobException"/>.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The step this job is (a training run numbers its steps; a single gradient job is step 0).</summary>
    public long Step { get; init; }

    /// <summary>
    /// A training step: the owners apply this optimizer to the summed gradients (step <see cref="Step"/>) and the
    /// result carries the new parameters and optimizer state. Null: gradients only.
    /// </summary>
    public OptimizerSettings? Optimizer { get; init; }

    /// <summary>The optimizer state after the previous step, per parameter in the spec's order (empty before the first step).</summary>
    public ImmutableArray<ImmutableArray<Tensor>> OptimizerState { get; init; } = [];
}

/// <summary>
/// The batch's loss and every parameter's batch gradient, in the spec's parameter order; <see cref="Members"/> is how many
/// members were given work for it (lost ones included). Its tensors are the caller's: disposing them when done gives
/// their storage back to the pool, so the next result decodes into the same arrays instead of fresh memory.
/// </summary>
public sealed record GradientResult(string JobId, GraphSpec Spec, float Loss, ImmutableArray<Tensor> Gradients, int Members)
{
    /// <summary>After a training step: every parameter after the owners' optimizer step (spec order); default otherwise.</summary>
    public ImmutableArray<Tensor> Parameters { get; init; }

    /// <summary>After a training step: every parameter's optimizer state after the step (spec order); default otherwise.</summary>
    public ImmutableArray<ImmutableArray<Tensor>> OptimizerState { get; init; }

    /// <summary>The gradient of the parameter named <paramref name="name"/>.</summary>
    public Tensor Gradient(string name)
    {
        for (var i = 0; i < Spec.Parameters.Length; i++)
            if (Spec.Parameters[i].Name == name) return Gradients[i];
        throw new KeyNotFoundException($"The spec has no parameter named '{name}'.");
    }
}

/// <summary>A shard finished (for progress displays and tests): which shard, on which member, attempt.</summary>
public readonly record struct ShardProgress(int Shard, string Member, int Attempt);

/// <summary>
/// A gradient job failed: <see cref="Member"/> is the member at fault when one is (its address), and the message says why
/// (a rejected spec, no worker left, the time bound).
/// </summary>
public sealed class GradientJobException : Exception
{
    public GradientJobException(string message, string? member = null, Exception? inner = null) : base(message, inner) => Member = member;

    /// <summary>The address of the member that refused or failed the work, if one did.</summary>
    public string? Member { get; }
}
