using ActorGrad.Cluster.Training;
using ActorGrad.Engine.Tensors;
using ActorGrad.Protocol.Gradients;
using ActorGrad.Protocol.Tensors;
using Akka.Actor;
using Akka.Event;

namespace ActorGrad.Cluster.Gradients;

/// <summary>
/// The owner of one parameter tensor in a training step: it holds the parameter's value and optimizer state for the
/// step and takes the parameter's batch gradient from the last worker of the step's chain (<see cref="ShardWorker"/>:
/// the shards' gradients added in shard order 0..S-1, so the sum is bitwise the same whatever the members, their speed
/// and any retries). It applies the optimizer (<see cref="OptimizerRule"/>) and answers the gradient, the new value
/// and the new state with <see cref="ParameterStepped"/>; a later round's copy of the same sum is dropped. A gradient
/// job has no owners: nothing outlives its step.
/// </summary>
internal sealed class ParameterOwner : ReceiveActor
{
    private readonly CreateStepOwner _job;
    private readonly SharedParameters _parameters;
    private readonly Tensor[] _state;
    private readonly IActorRef _coordinator;
    private readonly ITensorMessageSender _sender;
    private readonly string _member;

    public ParameterOwner(CreateStepOwner job, SharedParameters parameters, Tensor value, IActorRef coordinator, ITensorMessageSender sender, string member)
    {
        _job = job;
        _parameters = parameters;
        _state = job.State.IsDefaultOrEmpty ? [] : [.. job.State.Select(ReceivedTensors.Own)];
        _coordinator = coordinator;
        _sender = sender;
        _member = member;
        Value = value;
        Collecting();
    }

    /// <summary>The parameter at this step, shared with the member's worker (this owner holds a lease on it until it stops): read only.</summary>
    private Tensor Value { get; }

    /// <summary><paramref name="parameters"/> is a lease the owner takes over and releases when it stops.</summary>
    public static Props Props(CreateStepOwner job, SharedParameters parameters, Tensor value, IActorRef coordinator, ITensorMessageSender sender, string member) =>
        Akka.Actor.Props.Create(() => new ParameterOwner(job, parameters, value, coordinator, sender, member));

    protected override void PostStop()
    {
        _parameters.Release();
        foreach (var s in _state) s.Dispose();
    }

    protected override void PreStart()
    {
        // A coordinator that is gone (its member lost) will never collect the step: the owner goes with it.
        Context.Watch(_coordinator);
        _coordinator.Tell(new OwnerReady(_job.JobId, _job.Step, _job.Parameter));
    }

    private void Collecting()
    {
        Receive<BatchGradient>(g => g.JobId == _job.JobId && g.Step == _job.Step && g.Parameter == _job.Parameter, Step);
        Receive<BatchGradient>(g => Context.GetLogger().Warning("Owner of parameter {0} of job {1} step {2} dropped a gradient for job {3} step {4} parameter {5}",
            _job.Parameter, _job.JobId, _job.Step, g.JobId, g.Step, g.Parameter));
        Receive<Terminated>(t => t.ActorRef.Equals(_coordinator), _ => Context.Stop(Self));
    }

    private void Step(BatchGradient g)
    {
        var sum = ReceivedTensors.Read(g.Value, out var owned);
        if (!sum.ShapeEquals(Value.Shape))
        {
            Fail($"its batch gradient has shape [{string.Join(", ", sum.Shape)}], the parameter [{string.Join(", ", Value.Shape)}]");
            if (owned) sum.Dispose();
            return;
        }
        Tensor stepped;
        Tensor[] state;
        try { (stepped, state) = OptimizerRule.Apply(_job.Optimizer, _job.Step, Value, sum, _state); }
        catch (ArgumentException e)
        {
            Fail($"the optimizer's step failed: {e.Message}");
            if (owned) sum.Dispose();
            return;
        }
        if (_sender.Send(_coordinator, new ParameterStepped(_job.JobId, _job.Step, _job.Parameter, sum, stepped, [.. state.Cast<ITensorPayload>()]), Self))
        {
            // Serialized: nothing reads these any more (a message that travels as an object keeps them; the GC takes them then).
            if (owned) sum.Dispose();
            stepped.Dispose();
            foreach (var s in state) s.Dispose();
        }
        Become(Stepped);
    }

    private void Stepped()
    {
        Receive<BatchGradient>(_ => { }); // the same sum from a later round (every round adds the same bits)
        Receive<Terminated>(t => t.ActorRef.Equals(_coordinator), _ => Context.Stop(Self));
    }

    private void Fail(string why)
    {
        _coordinator.Tell(new GradientWorkFailed(_job.JobId, _member, $"stepping parameter {_job.Parameter}",
            new InvalidOperationException(why)));
    }
}
