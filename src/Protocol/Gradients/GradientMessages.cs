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
/// Coordinator -> a member's gradient service, in a training run, after the step's <see cref="PrepareJob"/> reached that
/// member: host the owner of parameter <paramref name="Parameter"/> for step <paramref name="Step"/> (0-based; the
/// optimizer's step count is Step + 1), starting from the step's parameter version that PrepareJob delivered and the
/// optimizer state <paramref name="State"/> (empty before the first step). Once its batch gradient is summed, the owner
/// applies <paramref name="Optimizer"/> and answers <see cref="ParameterStepped"/>.
/// </summary>
public sealed record CreateStepOwner(
    string JobId, long Step, int Parameter, OptimizerSettings Optimizer, ImmutableArray<ITensorPayload> State) : GradientMessage;

/// <summary>Owner -> coordinator, in a training run: the batch gradient, the parameter after the optimizer's step and the optimizer's state after it.</summary>
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
/// <paramref name="Data"/>, in the spec's data-input order) through the prepared job, as part of the contiguous run of
/// shards <paramref name="RunFirst"/>..<paramref name="RunLast"/> that this member holds in round <paramref name="Round"/>
/// of the step. Once it has its run's gradients and the <see cref="ChainSum"/> of shards 0..RunFirst-1 (none when
/// RunFirst is 0), the member adds its shards to it in shard order and sends the ChainSum of 0..RunLast to
/// <paramref name="Next"/> (the next run's worker, an actor path), or, for the last run (Next empty), each parameter's
/// <see cref="BatchGradient"/> to its owner (<paramref name="Owners"/>: actor paths in spec order, empty strings where
/// the sum is already in; no paths at all in a gradient job, which has no owners: then each sum goes to the coordinator
/// as a <see cref="ParameterGradient"/>). <paramref name="Attempt"/> tells runs of the same shard apart; a new round (after a lost member) re-plans
/// the runs, and what belongs to an older round is dropped.
/// </summary>
public sealed record RunShard(
    string JobId, long Step, int Round, int Shard, int Attempt, int RunFirst, int RunLast,
    ImmutableArray<ITensorPayload> Data, string Next, ImmutableArray<string> Owners) : GradientMessage;

/// <summary>
/// Worker -> the next run's worker: every parameter's gradient summed over shards 0..<paramref name="UpTo"/>, added in
/// shard order starting from shard 0's (spec order). The chain of these sums is how a step adds its shards in one fixed
/// order whatever the members, sending each gradient once per member.
/// </summary>
public sealed record ChainSum(string JobId, long Step, int Round, int UpTo, ImmutableArray<ITensorPayload> Values) : GradientMessage;

/// <summary>The last run's worker -> an owner: the parameter's batch gradient, every shard added in shard order.</summary>
public sealed record BatchGradient(string JobId, long Step, int Parameter, ITensorPayload Value) : GradientMessage;

/// <summary>Worker -> coordinator: the shard ran; its share of the loss. Its gradients wait for the chain's sum.</summary>
public sealed record ShardDone(string JobId, long Step, int Shard, int Attempt, float Loss) : GradientMessage;

/// <summary>The last run's worker (a gradient job) -> coordinator: the batch gradient of a parameter, every shard added in shard order.</summary>
public sealed record ParameterGradient(string JobId, long Step, int Parameter, ITensorPayload Value) : GradientMessage;

/// <summary>
/// A member -> coordinator: the job's work cannot be done there (a rejected spec, values that do not fit);
/// <paramref name="Member"/> is that member's address, <paramref name="What"/> the work ("running shard 3", "checking its spec").
/// </summary>
public sealed record GradientWorkFailed(string JobId, string Member, string What, Exception Cause) : GradientMessage;

/// <summary>Coordinator -> every member's gradient service: the job is over, stop its owners.</summary>
public sealed record EndJob(string JobId) : GradientMessage;
