using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes;
using ActorGrad.Nodes.Specs;
using ActorGrad.Protocol.Gradients;
using ActorGrad.Protocol.Specs;
using Akka.Actor;

namespace ActorGrad.Cluster.Gradients;

/// <summary>
/// Runs shards on this member, one at a time on a thread of its own: the spec's nodes become local node actors of a
/// <see cref="Session"/> (<see cref="SpecRunner"/>), and each parameter's gradient goes over the wire to its owner
/// tagged (job, step, shard); the shard's loss share goes back to the coordinator. A job arrives once per member
/// (<see cref="PrepareJob"/>: spec, parameters, batch size; the service decodes the parameters), is checked there by <see cref="SpecValidator"/> and kept
/// until <see cref="EndJob"/> or until its coordinator is gone. A spec or data that cannot run is a
/// <see cref="GradientWorkFailed"/> for the coordinator, naming this member; the worker goes on serving other jobs.
/// </summary>
internal sealed class ShardWorker : ReceiveActor
{
    /// <summary>The worker's own thread (configured by <see cref="GradientServiceHosting.WithGradientService"/>).</summary>
    public const string DispatcherId = "actorgrad.gradients.shard-worker-dispatcher";

    private sealed record CheckedJob(long Step, GraphSpec Spec, Dictionary<string, Tensor> Parameters, int FullBatchSize, IActorRef Coordinator);

    private readonly ITensorMessageSender _sender;
    private readonly string _member;
    private readonly Dictionary<string, CheckedJob> _jobs = new(StringComparer.Ordinal);
    private Session? _session;

    public ShardWorker(ITensorMessageSender sender, string member)
    {
        _sender = sender;
        _member = member;
        Receive<PreparedJob>(Prepare);
        Receive<RunShard>(Run);
        Receive<EndJob>(m => Forget(m.JobId));
        Receive<Terminated>(t =>
        {
            foreach (var (id, job) in _jobs.ToArray())
                if (job.Coordinator.Equals(t.ActorRef)) Forget(id);
        });
    }

    public static Props Props(ITensorMessageSender sender, string member) =>
        Akka.Actor.Props.Create(() => new ShardWorker(sender, member)).WithDispatcher(DispatcherId);

    private void Prepare(PreparedJob prepared)
    {
        var m = prepared.Job;
        try
        {
            SpecValidator.Check(m.Spec);
            if (m.Parameters.Length != m.Spec.Parameters.Length)
                throw new SpecRejectedException($"The job carries {m.Parameters.Length} parameter values; the spec has {m.Spec.Parameters.Length} parameters.");
            if (m.FullBatchSize < 1) throw new SpecRejectedException($"The job's batch has {m.FullBatchSize} examples; at least one is needed.");
        }
        catch (Exception e)
        {
            Sender.Tell(new GradientWorkFailed(m.JobId, _member, "checking its spec", e));
            return;
        }
        var parameters = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (var i = 0; i < prepared.Parameters.Length; i++) parameters[m.Spec.Parameters[i].Name] = prepared.Parameters[i];
        _jobs[m.JobId] = new CheckedJob(m.Step, m.Spec, parameters, m.FullBatchSize, Sender);
        Context.Watch(Sender);
    }

    private void Run(RunShard m)
    {
        if (!_jobs.TryGetValue(m.JobId, out var job) || job.Step != m.Step)
        {
            Sender.Tell(new GradientWorkFailed(m.JobId, _member, $"running shard {m.Shard}",
                new InvalidOperationException($"Shard {m.Shard} of job {m.JobId} step {m.Step} arrived, but this member holds no such job (it failed its check, or ended).")));
            return;
        }
        SpecResult result;
        try
        {
            if (m.Owners.Length != job.Spec.Parameters.Length || m.Data.Length != job.Spec.DataInputs.Length)
                throw new SpecRejectedException(
                    $"The shard names {m.Owners.Length} owners and carries {m.Data.Length} data inputs; the spec has {job.Spec.Parameters.Length} parameters and {job.Spec.DataInputs.Length} data inputs.");
            var data = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            for (var i = 0; i < m.Data.Length; i++) data[job.Spec.DataInputs[i].Name] = Tensor.From(m.Data[i]);
            _session ??= new Session();
            result = SpecRunner.Run(_session, job.Spec, job.Parameters, data, job.FullBatchSize);
        }
        catch (Exception e)
        {
            // A run that failed past the checks may leave nodes behind: the next shard gets a fresh session.
            if (e is not SpecRejectedException) DisposeSession();
            Sender.Tell(new GradientWorkFailed(m.JobId, _member, $"running shard {m.Shard}", e));
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
                Sender.Tell(new GradientWorkFailed(m.JobId, _member, $"running shard {m.Shard}",
                    new InvalidOperationException($"The gradient of parameter {i} could not be sent to its owner '{m.Owners[i]}': {e.Message}", e)));
                return;
            }
        }
        Sender.Tell(new ShardDone(m.JobId, m.Step, m.Shard, m.Attempt, result.Loss));
    }

    private void Forget(string jobId)
    {
        if (!_jobs.Remove(jobId, out var job)) return;
        if (_jobs.Values.All(j => !j.Coordinator.Equals(job.Coordinator))) Context.Unwatch(job.Coordinator);
    }

    protected override void PostStop() => DisposeSession();

    private void DisposeSession()
    {
        _session?.Dispose();
        _session = null;
    }
}
