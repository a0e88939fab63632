using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes;
using ActorGrad.Nodes.Specs;
using ActorGrad.Protocol.Gradients;
using Akka.Actor;

namespace ActorGrad.Cluster.Gradients;

/// <summary>
/// Runs shards on this member, one at a time: the spec's nodes become local node actors of a <see cref="Session"/>
/// (<see cref="SpecRunner"/>, which checks the spec and the values first with <see cref="SpecValidator"/>), and each
/// parameter's gradient goes over the wire to its owner tagged (job, step, shard). The shard's loss share goes back
/// to the coordinator. A spec or data that cannot run is a <see cref="GradientWorkFailed"/> for the coordinator,
/// naming this member; the worker goes on with the next shard of any job.
/// </summary>
internal sealed class ShardWorker : ReceiveActor
{
    private readonly ITensorMessageSender _sender;
    private readonly string _member;
    private Session? _session;

    public ShardWorker(ITensorMessageSender sender, string member)
    {
        _sender = sender;
        _member = member;
        Receive<RunShard>(Run);
    }

    /// <summary>The worker's own thread (configured by <see cref="GradientServiceHosting.WithGradientService"/>).</summary>
    public const string DispatcherId = "actorgrad.gradients.shard-worker-dispatcher";

    public static Props Props(ITensorMessageSender sender, string member) =>
        Akka.Actor.Props.Create(() => new ShardWorker(sender, member)).WithDispatcher(DispatcherId);

    private void Run(RunShard m)
    {
        SpecResult result;
        try
        {
            SpecValidator.Check(m.Spec);
            if (m.Parameters.Length != m.Spec.Parameters.Length || m.Owners.Length != m.Spec.Parameters.Length || m.Data.Length != m.Spec.DataInputs.Length)
                throw new SpecRejectedException(
                    $"The shard carries {m.Parameters.Length} parameter values, {m.Owners.Length} owners and {m.Data.Length} data inputs; the spec has {m.Spec.Parameters.Length} parameters and {m.Spec.DataInputs.Length} data inputs.");
            var parameters = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            for (var i = 0; i < m.Parameters.Length; i++) parameters[m.Spec.Parameters[i].Name] = Tensor.From(m.Parameters[i]);
            var data = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            for (var i = 0; i < m.Data.Length; i++) data[m.Spec.DataInputs[i].Name] = Tensor.From(m.Data[i]);
            _session ??= new Session();
            result = SpecRunner.Run(_session, m.Spec, parameters, data, m.FullBatchSize);
        }
        catch (Exception e)
        {
            // A run that failed past the checks may leave nodes behind: the next shard gets a fresh session.
            if (e is not SpecRejectedException) DisposeSession();
            Sender.Tell(new GradientWorkFailed(m.JobId, _member, $"shard {m.Shard}", e));
            return;
        }

        var provider = ((ExtendedActorSystem)Context.System).Provider;
        for (var i = 0; i < result.Gradients.Length; i++)
        {
            if (m.Owners[i].Length == 0) continue; // the coordinator has this parameter's sum already
            try
            {
                _sender.Send(provider.ResolveActorRef(m.Owners[i]), new ShardGradient(m.JobId, m.Step, m.Shard, i, result.Gradients[i]), Self);
            }
            catch (Exception e)
            {
                Sender.Tell(new GradientWorkFailed(m.JobId, _member, $"shard {m.Shard}",
                    new InvalidOperationException($"The gradient of parameter {i} could not be sent to its owner '{m.Owners[i]}': {e.Message}", e)));
                return;
            }
        }
        Sender.Tell(new ShardDone(m.JobId, m.Step, m.Shard, m.Attempt, result.Loss));
    }

    protected override void PostStop() => DisposeSession();

    private void DisposeSession()
    {
        _session?.Dispose();
        _session = null;
    }
}
