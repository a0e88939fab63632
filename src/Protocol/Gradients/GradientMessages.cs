using System.Collections.Immutable;
using ActorGrad.Protocol.Specs;
using ActorGrad.Protocol.Tensors;

namespace ActorGrad.Protocol.Gradients;

/// <summary>
/// The messages of the distributed gradient service: a job's coordinator, the parameter owners and the shard
/// workers on the members. Every message names its job and step, so messages of jobs and steps never mix;
/// actors are named by the envelope's sender or, where a third actor is meant, by a serialized actor path.
/// </summary>
public abstract record GradientMessage;

/// <summary>
/// Coordinator -> a member's gradient service, after the job's <see cref="PrepareJob"/> reached that member: host the
/// owner of parameter <paramref name="Parameter"/> of the job, starting from the step's parameter version that
/// PrepareJob delivered (never sent twice), expecting one contribution per shard. The owner answers
/// <see cref="OwnerReady"/> to the sender.
/// </summary>
public sealed record CreateOwner(string JobId, long Step, int Parameter, int Shards) : GradientMessage;

/// <summary>
/// Coordinator -> a member's gradient service, in a training run, after the step's <see cref="PrepareJob"/> reached that
/// member: host the owner of parameter <paramref name="Parameter"/> for step <paramref name="Step"/> (0-based; the
/// optimizer's step count is Step + 1), starting from the step's parameter version that PrepareJob delivered and the
/// optimizer state <paramref name="State"/> (empty before the first step). Once its batch gradient is summed, the owner
/// applies <paramref name="Optimizer"/> and answers <see cref="ParameterStepped"/>.
/// </summary>
public sealed record CreateStepOwner(
    string JobId, long Step, int Parameter, int Shards, OptimizerSettings Optimizer, ImmutableArray<ITensorPayload> State) : GradientMessage;

/// <summary>Owner -> coordinator, in a training run: the batch gradient (summed in shard order), the parameter after the optimizer's step and the optimizer's state after it.</summary>
public sealed record ParameterStepped(
    string JobId, long Step, int Parameter, ITensorPayload Gradient, ITensorPayload Value, ImmutableArray<ITensorPayload> State) : GradientMessage;

/// <summary>Owner -> coordinator: it is up; the envelope's sender is the owner.</summary>
public sealed record OwnerReady(string JobId, long Step, int Parameter) : GradientMessage;

/// <summary>
/// Coordinator -> a member's gradient service, once per member and step before its first shard: the spec, the step's
/// parameter values (spec order) and the full batch size B that the shards' shares divide by; also before the first
/// owner placed there (owners start from these values). The member checks the spec here and keeps all three until
/// <see cref="EndJob"/> (or until the coordinator is gone).
/// </summary>
public sealed record PrepareJob(string JobId, long Step, GraphSpec Spec, ImmutableArray<ITensorPayload> Parameters, int FullBatchSize) : GradientMessage;

/// <summary>
/// Coordinator -> a member's gradient service: run shard <paramref name="Shard"/> of the batch (its
/// <paramref name="Data"/>, in the spec's data-input order) through the prepared job and send each parameter's gradient
/// to its owner (<paramref name="Owners"/>: actor paths in spec order; empty where the sum is already in).
/// <paramref name="Attempt"/> tells runs of the same shard apart (a lost member's shards run again).
/// </summary>
public sealed record RunShard(
    string JobId, long Step, int Shard, int Attempt, ImmutableArray<ITensorPayload> Data, ImmutableArray<string> Owners) : GradientMessage;

/// <summary>Worker -> owner: one shard's contribution (its share of the batch gradient) to a parameter.</summary>
public sealed record ShardGradient(string JobId, long Step, int Shard, int Parameter, ITensorPayload Value) : GradientMessage;

/// <summary>Worker -> coordinator: the shard ran; its share of the loss. Its gradients are on their way to the owners.</summary>
public sealed record ShardDone(string JobId, long Step, int Shard, int Attempt, float Loss) : GradientMessage;

/// <summary>Owner -> coordinator: the batch gradient of a parameter, the shards' contributions summed in shard order.</summary>
public sealed record ParameterGradient(string JobId, long Step, int Parameter, ITensorPayload Value) : GradientMessage;

/// <summary>
/// A member -> coordinator: the job's work cannot be done there (a rejected spec, values that do not fit);
/// <paramref name="Member"/> is that member's address, <paramref name="What"/> the work ("running shard 3", "checking its spec").
/// </summary>
public sealed record GradientWorkFailed(string JobId, string Member, string What, Exception Cause) : GradientMessage;

/// <summary>Coordinator -> every member's gradient service: the job is over, stop its owners.</summary>
public sealed record EndJob(string JobId) : GradientMessage;
