using System.Collections.Immutable;
using ActorGrad.Cluster.Training;
using ActorGrad.Engine.Tensors;
using ActorGrad.Protocol.Gradients;
using ActorGrad.Protocol.Tensors;
using Akka.Actor;
using Akka.Event;

namespace ActorGrad.Cluster.Gradients;

/// <summary>
/// The owner of one parameter tensor of a job's step: it holds the parameter's value and sums the VJPs that the
/// shard workers send it. Exactness: each (step, shard) counts once (a re-run shard's duplicate is dropped) and the
/// contributions are added in shard order 0..S-1 only once all S are in, so the sum is bitwise the same whatever
/// the members, their speed, the order of arrival and any retries. The sum goes to the coordinator. In a training
/// run the owner also holds the parameter's optimizer state for the step and applies the optimizer to the sum
/// (<see cref="OptimizerRule"/>), answering the new value and state with <see cref="ParameterStepped"/>.
/// </summary>
internal sealed class ParameterOwner : ReceiveActor
{
    private readonly CreateOwner _job;
    private readonly OptimizerSettings? _optimizer;
    private readonly Tensor[] _state;
    private readonly IActorRef _coordinator;
    private readonly ITensorMessageSender _sender;
    private readonly string _member;
    private readonly Tensor?[] _contributions;
    private int _received;

    public ParameterOwner(CreateOwner job, Tensor value, IActorRef coordinator, ITensorMessageSender sender, string member,
        OptimizerSettings? optimizer = null, ImmutableArray<ITensorPayload> state = default)
    {
        _job = job;
        _optimizer = optimizer;
        _state = state.IsDefaultOrEmpty ? [] : [.. state.Select(Tensor.From)];
        _coordinator = coordinator;
        _sender = sender;
        _member = member;
        Value = value;
        _contributions = new Tensor?[job.Shards];
        Collecting();
    }

    /// <summary>The parameter at this step, shared with the member's worker: read only (its optimizer state, in a training run, is <see cref="_state"/>).</summary>
    private Tensor Value { get; }

    public static Props Props(CreateOwner job, Tensor value, IActorRef coordinator, ITensorMessageSender sender, string member) =>
        Akka.Actor.Props.Create(() => new ParameterOwner(job, value, coordinator, sender, member, null, default));

    /// <summary>An owner of a training step: it steps the optimizer once the batch gradient is summed.</summary>
    public static Props Props(CreateStepOwner job, Tensor value, IActorRef coordinator, ITensorMessageSender sender, string member) =>
        Akka.Actor.Props.Create(() => new ParameterOwner(new CreateOwner(job.JobId, job.Step, job.Parameter, job.Shards),
            value, coordinator, sender, member, job.Optimizer, job.State));

    protected override void PreStart()
    {
        // A coordinator that is gone (its member lost) will never collect the sum: the owner goes with it.
        Context.Watch(_coordinator);
        _coordinator.Tell(new OwnerReady(_job.JobId, _job.Step, _job.Parameter));
    }

    private void Collecting()
    {
        Receive<ShardGradient>(g => g.JobId == _job.JobId && g.Step == _job.Step && g.Parameter == _job.Parameter, Add);
        Receive<ShardGradient>(g => Context.GetLogger().Warning("Owner of parameter {0} of job {1} step {2} dropped a gradient for job {3} step {4} parameter {5}",
            _job.Parameter, _job.JobId, _job.Step, g.JobId, g.Step, g.Parameter));
        Receive<Terminated>(t => t.ActorRef.Equals(_coordinator), _ => Context.Stop(Self));
    }

    private void Add(ShardGradient g)
    {
        if (g.Shard < 0 || g.Shard >= _contributions.Length)
        {
            Fail($"shard {g.Shard} is outside the job's {_contributions.Length} shards");
            return;
        }
        if (_contributions[g.Shard] is not null) return; // a re-run shard: counted once
        var value = Tensor.From(g.Value);
        if (!value.ShapeEquals(Value.Shape))
        {
            Fail($"shard {g.Shard} sent a gradient of shape [{string.Join(", ", value.Shape)}] for a parameter of shape [{string.Join(", ", Value.Shape)}]");
            return;
        }
        _contributions[g.Shard] = value;
        if (++_received < _contributions.Length) return;

        // All shards are in: add them in shard order, starting from shard 0 itself (0 + x would turn -0 into +0).
        var sum = _contributions[0]!.Clone();
        for (var s = 1; s < _contributions.Length; s++)
        {
            var next = TensorOps.Add(sum, _contributions[s]!);
            sum.Dispose();
            sum = next;
        }
        Array.Clear(_contributions);
        if (_optimizer is null)
        {
            _sender.Send(_coordinator, new ParameterGradient(_job.JobId, _job.Step, _job.Parameter, sum), Self);
        }
        else
        {
            Tensor stepped;
            Tensor[] state;
            try { (stepped, state) = OptimizerRule.Apply(_optimizer, _job.Step, Value, sum, _state); }
            catch (ArgumentException e)
            {
                Fail($"the optimizer's step failed: {e.Message}");
                return;
            }
            _sender.Send(_coordinator, new ParameterStepped(_job.JobId, _job.Step, _job.Parameter, sum, stepped, [.. state.Cast<ITensorPayload>()]), Self);
        }
        Become(Summed);
    }

    private void Summed()
    {
        Receive<ShardGradient>(_ => { }); // late duplicates of re-run shards
        Receive<Terminated>(t => t.ActorRef.Equals(_coordinator), _ => Context.Stop(Self));
    }

    private void Fail(string why)
    {
        _coordinator.Tell(new GradientWorkFailed(_job.JobId, _member, $"summing parameter {_job.Parameter}",
            new InvalidOperationException(why)));
    }
}
