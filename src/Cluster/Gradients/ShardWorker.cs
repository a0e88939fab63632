using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes;
using ActorGrad.Nodes.Specs;
using ActorGrad.Protocol.Gradients;
using ActorGrad.Protocol.Specs;
using Akka.Actor;

using ActorGrad.Cluster.Metrics;

namespace ActorGrad.Cluster.Gradients;

/// <summary>
/// Runs shards on this member, one at a time on a thread of its own: the spec's nodes become local node actors of a
/// <see cref="Session"/> (<see cref="SpecRunner"/>); the shard's loss share goes back to the coordinator at once, its
/// gradients to this member's <see cref="ChainAdder"/>, which adds them into the step's chain of sums while this thread
/// runs the next shard. A job arrives once per member (<see cref="PrepareJob"/>: spec, parameters, batch size; the
/// service decodes the parameters), is checked there by <see cref="SpecValidator"/> and kept until <see cref="EndJob"/>
/// or until its coordinator is gone. A spec or data that cannot run is a <see cref="GradientWorkFailed"/> for the
/// coordinator, naming this member; the worker goes on serving other jobs.
/// </summary>
internal sealed class ShardWorker : ReceiveActor
{
    /// <summary>The worker's own thread (configured by <see cref="GradientServiceHosting.WithGradientService"/>).</summary>
    public const string DispatcherId = "actorgrad.gradients.shard-worker-dispatcher";

    /// <summary>A job this worker accepted; it holds a lease on the step's parameters until the job is forgotten.</summary>
    private sealed record CheckedJob(long Step, GraphSpec Spec, SharedParameters Lease, Dictionary<string, Tensor> Parameters, int FullBatchSize, IActorRef Coordinator);

    private readonly string _member;
    private readonly int? _computeThreads;
    private readonly Dictionary<string, CheckedJob> _jobs = new(StringComparer.Ordinal);
    private readonly IActorRef _chain;
    private readonly Dictionary<string, int> _rounds = new(StringComparer.Ordinal); // the newest round of each job's shards
    private Session? _session;

    public ShardWorker(IActorRef chain, string member, int? computeThreads)
    {
        _chain = chain;
        _member = member;
        _computeThreads = computeThreads;
        Receive<PreparedJob>(Prepare);
        Receive<RunShard>(Run);
        Receive<EndJob>(m => Forget(m.JobId));
        Receive<Terminated>(t =>
        {
            foreach (var (id, job) in _jobs.ToArray())
                if (job.Coordinator.Equals(t.ActorRef)) Forget(id);
        });
    }

    public static Props Props(IActorRef chain, string member, int? computeThreads) =>
        Akka.Actor.Props.Create(() => new ShardWorker(chain, member, computeThreads)).WithDispatcher(DispatcherId);

    private void Prepare(PreparedJob prepared)
    {
        var m = prepared.Job;
        if (StepTimeline.Enabled) StepTimeline.Record(m.JobId, "worker: PrepareJob");
        try
        {
            SpecValidator.Check(m.Spec);
            if (m.Parameters.Length != m.Spec.Parameters.Length)
                throw new SpecRejectedException($"The job carries {m.Parameters.Length} parameter values; the spec has {m.Spec.Parameters.Length} parameters.");
            if (m.FullBatchSize < 1) throw new SpecRejectedException($"The job's batch has {m.FullBatchSize} examples; at least one is needed.");
        }
        catch (Exception e)
        {
            prepared.Parameters.Release();
            Sender.Tell(new GradientWorkFailed(m.JobId, _member, "checking its spec", e));
            return;
        }
        var parameters = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (var i = 0; i < prepared.Parameters.Values.Length; i++) parameters[m.Spec.Parameters[i].Name] = prepared.Parameters.Values[i];
        if (_jobs.Remove(m.JobId, out var earlier)) earlier.Lease.Release(); // prepared again: the newer values count
        _jobs[m.JobId] = new CheckedJob(m.Step, m.Spec, prepared.Parameters, parameters, m.FullBatchSize, Sender);
        Context.Watch(Sender);
    }

    private void Run(RunShard m)
    {
        if (StepTimeline.Enabled) StepTimeline.Record(m.JobId, $"worker: RunShard s{m.Shard}");
        if (!_jobs.TryGetValue(m.JobId, out var job) || job.Step != m.Step)
        {
            Sender.Tell(new GradientWorkFailed(m.JobId, _member, $"running shard {m.Shard}",
                new InvalidOperationException($"Shard {m.Shard} of job {m.JobId} step {m.Step} arrived, but this member holds no such job (it failed its check, or ended).")));
            return;
        }
        if (_rounds.TryGetValue(m.JobId, out var round) && m.Round < round) return; // its round was replaced by a newer one
        _rounds[m.JobId] = m.Round;
        SpecResult result;
        var data = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var decoded = new List<Tensor>(m.Data.Length);
        try
        {
            if ((m.Owners.Length != 0 && m.Owners.Length != job.Spec.Parameters.Length) || m.Data.Length != job.Spec.DataInputs.Length)
                throw new SpecRejectedException(
                    $"The shard names {m.Owners.Length} owners and carries {m.Data.Length} data inputs; the spec has {job.Spec.Parameters.Length} parameters and {job.Spec.DataInputs.Length} data inputs.");
            if (m.RunFirst < 0 || m.Shard < m.RunFirst || m.Shard > m.RunLast)
                throw new SpecRejectedException($"Shard {m.Shard} is not in its run of shards {m.RunFirst}..{m.RunLast}.");
            for (var i = 0; i < m.Data.Length; i++)
            {
                data[job.Spec.DataInputs[i].Name] = ReceivedTensors.Read(m.Data[i], out var owned);
                if (owned) decoded.Add(data[job.Spec.DataInputs[i].Name]);
            }
            _session ??= new Session();
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            if (StepTimeline.Enabled) StepTimeline.Record(m.JobId, $"worker: pass s{m.Shard} start", started);
            using (_computeThreads is { } threads ? ComputeThreads.Limit(threads) : null)
                result = SpecRunner.Run(_session, job.Spec, job.Parameters, data, job.FullBatchSize);
            ClusterMetrics.PassDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
            if (StepTimeline.Enabled) StepTimeline.Record(m.JobId, $"worker: pass s{m.Shard} end");
            ClusterMetrics.ShardsRun.Add(1);
        }
        catch (Exception e)
        {
            // A run that failed past the checks may leave nodes behind: the next shard gets a fresh session.
            if (e is not SpecRejectedException) DisposeSession();
            Sender.Tell(new GradientWorkFailed(m.JobId, _member, $"running shard {m.Shard}", e));
            return;
        }
        finally
        {
            // The pass read the shard's data in place and is over: the decoded values go back to the pool.
            foreach (var t in decoded) t.Dispose();
        }

        Sender.Tell(new ShardDone(m.JobId, m.Step, m.Shard, m.Attempt, result.Loss));
        // The result owns its gradients (SpecRunner handed the leaves' over): the chain adder takes them over (no copy),
        // and adds them while this thread runs the next shard.
        _chain.Tell(new ShardGradients(m.JobId, m.Step, m.Round, m.Shard, m.RunFirst, m.RunLast, m.Next, m.Owners,
            [.. result.Gradients], job.Spec.Parameters.Length, job.Coordinator));
    }

    private void Forget(string jobId)
    {
        _rounds.Remove(jobId);
        if (!_jobs.Remove(jobId, out var job)) return;
        job.Lease.Release();
        if (_jobs.Values.All(j => !j.Coordinator.Equals(job.Coordinator))) Context.Unwatch(job.Coordinator);
    }

    protected override void PostStop()
    {
        DisposeSession();
        foreach (var job in _jobs.Values) job.Lease.Release();
        _jobs.Clear();
    }

    private void DisposeSession()
    {
        _session?.Dispose();
        _session = null;
    }
}
