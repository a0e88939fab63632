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
/// <see cref="Session"/> (<see cref="SpecRunner"/>); the shard's loss share goes back to the coordinator at once. In each
/// round of a step this member holds one contiguous run of shards (<see cref="ChainRun"/>): it adds its shards'
/// gradients, in shard order, to the sum of the shards before them that the previous run's worker sends
/// (<see cref="ChainSum"/>), and sends the result on, once: to the next run's worker, or from the last run to each
/// parameter's owner (in a training step) or to the coordinator (in a gradient job). A job arrives once per member (<see cref="PrepareJob"/>: spec, parameters, batch size; the
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

    private readonly ITensorMessageSender _sender;
    private readonly string _member;
    private readonly int? _computeThreads;
    private readonly Dictionary<string, CheckedJob> _jobs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ChainRun> _chains = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ChainSum> _early = new(StringComparer.Ordinal);
    // Jobs ended lately: a sum that arrives after its job's end is dropped, not kept for a round that never comes.
    private readonly Queue<string> _ended = new();
    private const int EndedKept = 64;
    private Session? _session;

    public ShardWorker(ITensorMessageSender sender, string member, int? computeThreads)
    {
        _sender = sender;
        _member = member;
        _computeThreads = computeThreads;
        Receive<PreparedJob>(Prepare);
        Receive<RunShard>(Run);
        Receive<ChainSum>(m =>
        {
            if (StepTimeline.Enabled) StepTimeline.Record(m.JobId, $"worker: ChainSum to s{m.UpTo} arrived");
            Offer(m.JobId, m);
        });
        Receive<EndJob>(m => Forget(m.JobId));
        Receive<Terminated>(t =>
        {
            foreach (var (id, job) in _jobs.ToArray())
                if (job.Coordinator.Equals(t.ActorRef)) Forget(id);
        });
    }

    public static Props Props(ITensorMessageSender sender, string member, int? computeThreads) =>
        Akka.Actor.Props.Create(() => new ShardWorker(sender, member, computeThreads)).WithDispatcher(DispatcherId);

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
        if (_chains.TryGetValue(m.JobId, out var chain) && m.Round < chain.Round) return; // its round was replaced by a newer one
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

        if (chain is null || m.Round > chain.Round)
        {
            chain?.Dispose(); // an older round's run: what it held is no longer needed
            _chains[m.JobId] = chain = new ChainRun(m.Round, m.RunFirst, m.RunLast, m.Next, m.Owners);
            if (_early.Remove(m.JobId, out var early)) Offer(m.JobId, early); // the previous run's sum came first
        }
        Sender.Tell(new ShardDone(m.JobId, m.Step, m.Shard, m.Attempt, result.Loss));
        // The result owns its gradients (SpecRunner handed the leaves' over): the run takes them over (no copy).
        if (Adding(m.JobId, job, chain, () => chain.Add(m.Shard, [.. result.Gradients]))) Forward(m.JobId, job, chain);
    }

    /// <summary>The previous run's sum: taken by this round's run, kept when its round has not reached this member yet, else dropped.</summary>
    private void Offer(string jobId, ChainSum sum)
    {
        if (!_chains.TryGetValue(jobId, out var chain) || sum.Round > chain.Round)
        {
            if (_ended.Contains(jobId)) return; // a late sum of a job that is over
            if (!_early.TryGetValue(jobId, out var kept) || kept.Round < sum.Round) _early[jobId] = sum;
            return;
        }
        if (sum.Round < chain.Round || sum.UpTo != chain.First - 1 || !_jobs.TryGetValue(jobId, out var job) || job.Step != sum.Step) return;
        if (StepTimeline.Enabled) StepTimeline.Record(jobId, $"worker: ChainSum to s{sum.UpTo} taken");
        if (Adding(jobId, job, chain, () => chain.Before([.. sum.Values.Select(ReceivedTensors.Own)]))) Forward(jobId, job, chain);
    }

    /// <summary>Adds a piece to the run's sum; a piece that does not fit it (a bad sum from the wire) fails the job, not this worker.</summary>
    private bool Adding(string jobId, CheckedJob job, ChainRun chain, Action add)
    {
        try
        {
            add();
            return true;
        }
        catch (InvalidOperationException e)
        {
            job.Coordinator.Tell(new GradientWorkFailed(jobId, _member, $"adding shards {chain.First}..{chain.Last}", e));
            return false;
        }
    }

    /// <summary>Once the run's sum is complete: on to the next run's worker, or, from the last run, to each parameter's owner.</summary>
    private void Forward(string jobId, CheckedJob job, ChainRun chain)
    {
        if (chain.TryFold() is not { } sum) return;
        if (StepTimeline.Enabled) StepTimeline.Record(jobId, $"worker: sum to s{chain.Last} complete");
        if (sum.Length != job.Spec.Parameters.Length)
        {
            foreach (var t in sum) t.Dispose();
            job.Coordinator.Tell(new GradientWorkFailed(jobId, _member, $"adding shards {chain.First}..{chain.Last}",
                new InvalidOperationException($"The sum of the shards before carries {sum.Length} tensors; the spec has {job.Spec.Parameters.Length} parameters.")));
            return;
        }
        var provider = ((ExtendedActorSystem)Context.System).Provider;
        var target = chain.Next;
        try
        {
            // The sum is this worker's: once a send has serialized it, its storage goes back to the pool for the next
            // step; a message that travels as an object (a local recipient) takes it along, and the GC has it after.
            if (target.Length > 0)
            {
                if (_sender.Send(provider.ResolveActorRef(target), new ChainSum(jobId, job.Step, chain.Round, chain.Last, [.. sum]), Self))
                    foreach (var t in sum) t.Dispose();
                return;
            }
            for (var i = 0; i < sum.Length; i++)
            {
                if (chain.Owners.IsEmpty)
                {
                    // A gradient job has no owners: the sums go to its coordinator.
                    target = job.Coordinator.Path.ToString();
                    if (_sender.Send(job.Coordinator, new ParameterGradient(jobId, job.Step, i, sum[i]), Self)) sum[i].Dispose();
                    continue;
                }
                if (chain.Owners[i].Length == 0)
                {
                    sum[i].Dispose(); // the coordinator has this parameter's sum already
                    continue;
                }
                target = chain.Owners[i];
                if (_sender.Send(provider.ResolveActorRef(target), new BatchGradient(jobId, job.Step, i, sum[i]), Self)) sum[i].Dispose();
            }
        }
        catch (Exception e)
        {
            job.Coordinator.Tell(new GradientWorkFailed(jobId, _member, $"adding shards {chain.First}..{chain.Last}",
                new InvalidOperationException($"The sum could not be sent to '{target}': {e.Message}", e)));
        }
    }

    private void Forget(string jobId)
    {
        if (_chains.Remove(jobId, out var chain)) chain.Dispose();
        _early.Remove(jobId);
        if (!_jobs.Remove(jobId, out var job)) return;
        job.Lease.Release();
        _ended.Enqueue(jobId);
        if (_ended.Count > EndedKept) _ended.Dequeue();
        if (_jobs.Values.All(j => !j.Coordinator.Equals(job.Coordinator))) Context.Unwatch(job.Coordinator);
    }

    protected override void PostStop()
    {
        DisposeSession();
        foreach (var chain in _chains.Values) chain.Dispose();
        foreach (var job in _jobs.Values) job.Lease.Release();
        _chains.Clear();
        _jobs.Clear();
    }

    private void DisposeSession()
    {
        _session?.Dispose();
        _session = null;
    }
}
