using System.Collections.Immutable;
using ActorGrad.Cluster.Metrics;
using ActorGrad.Engine.Tensors;
using ActorGrad.Protocol.Gradients;
using Akka.Actor;

namespace ActorGrad.Cluster.Gradients;

/// <summary>
/// A shard's gradients as this member's <see cref="ShardWorker"/> computed them, with the run they belong to. Local only:
/// the gradients travel as objects and become the <see cref="ChainAdder"/>'s.
/// </summary>
internal sealed record ShardGradients(string JobId, long Step, int Round, int Shard, int RunFirst, int RunLast, string Next,
    ImmutableArray<string> Owners, Tensor[] Gradients, int Parameters, IActorRef Coordinator);

/// <summary>
/// /user/gradients/chain: this member's part of each step's chain of sums (<see cref="ChainRun"/>), beside the worker and
/// on the shared pool rather than on the worker's thread, so that the previous run's <see cref="ChainSum"/> and the
/// shards already passed are added while the worker computes the run's next shard: when the run's last pass ends,
/// only that shard is left to add. It adds, in shard order, the shards the worker hands it (<see cref="ShardGradients"/>)
/// to the sum the previous run's member sends, and sends the result on once: to the next run's member, or from the
/// last run to each parameter's owner (a training step) or to the coordinator (a gradient job). A piece that does not
/// fit fails the job (a <see cref="GradientWorkFailed"/> for its coordinator), never this actor.
/// </summary>
internal sealed class ChainAdder : ReceiveActor
{
    /// <summary>Its name under /user/gradients: where a run's worker sends the next run its sum.</summary>
    public const string Name = "chain";

    /// <summary>What the adder knows of a job from its worker: its step, its parameter count and its coordinator.</summary>
    private sealed record Run(ChainRun Chain, long Step, int Parameters, IActorRef Coordinator);

    private readonly ITensorMessageSender _sender;
    private readonly string _member;
    private readonly Dictionary<string, Run> _runs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ChainSum> _early = new(StringComparer.Ordinal);
    // Jobs ended lately: a sum or a shard that arrives after its job's end is dropped, not kept for a round that never comes.
    private readonly Queue<string> _ended = new();
    private readonly HashSet<string> _endedSet = new(StringComparer.Ordinal);
    private const int EndedKept = 64;

    public ChainAdder(ITensorMessageSender sender, string member)
    {
        _sender = sender;
        _member = member;
        Receive<ShardGradients>(Take);
        Receive<ChainSum>(m =>
        {
            if (StepTimeline.Enabled) StepTimeline.Record(m.JobId, $"chain: ChainSum to s{m.UpTo} arrived");
            Offer(m.JobId, m);
        });
        Receive<EndJob>(m => Forget(m.JobId));
        Receive<Terminated>(t =>
        {
            foreach (var (id, run) in _runs.ToArray())
                if (run.Coordinator.Equals(t.ActorRef)) Forget(id);
        });
    }

    public static Props Props(ITensorMessageSender sender, string member) => Akka.Actor.Props.Create(() => new ChainAdder(sender, member));

    /// <summary>A shard the worker passed: into its round's run (a newer round replaces an older one's; an older round's shard is dropped).</summary>
    private void Take(ShardGradients m)
    {
        _runs.TryGetValue(m.JobId, out var run);
        if (_endedSet.Contains(m.JobId) || (run is not null && m.Round < run.Chain.Round))
        {
            foreach (var t in m.Gradients) t.Dispose(); // its job is over, or its round was replaced
            return;
        }
        if (run is null || m.Round > run.Chain.Round)
        {
            run?.Chain.Dispose(); // an older round's run: what it held is no longer needed
            if (run is null) Context.Watch(m.Coordinator);
            _runs[m.JobId] = run = new Run(new ChainRun(m.Round, m.RunFirst, m.RunLast, m.Next, m.Owners), m.Step, m.Parameters, m.Coordinator);
            if (_early.Remove(m.JobId, out var early)) Offer(m.JobId, early); // the previous run's sum came first
        }
        if (Adding(m.JobId, run, () => run.Chain.Add(m.Shard, m.Gradients))) Forward(m.JobId, run);
    }

    /// <summary>The previous run's sum: taken by this round's run, kept when its round has not reached this member yet, else dropped.</summary>
    private void Offer(string jobId, ChainSum sum)
    {
        if (!_runs.TryGetValue(jobId, out var run) || sum.Round > run.Chain.Round)
        {
            if (_endedSet.Contains(jobId)) return; // a late sum of a job that is over
            if (!_early.TryGetValue(jobId, out var kept) || kept.Round < sum.Round) _early[jobId] = sum;
            return;
        }
        if (sum.Round < run.Chain.Round || sum.UpTo != run.Chain.First - 1 || run.Step != sum.Step) return;
        if (StepTimeline.Enabled) StepTimeline.Record(jobId, $"chain: ChainSum to s{sum.UpTo} taken");
        if (Adding(jobId, run, () => run.Chain.Before([.. sum.Values.Select(ReceivedTensors.Own)]))) Forward(jobId, run);
    }

    /// <summary>Adds a piece to the run's sum; a piece that does not fit it (a bad sum from the wire) fails the job, not this actor.</summary>
    private bool Adding(string jobId, Run run, Action add)
    {
        try
        {
            add();
            return true;
        }
        catch (InvalidOperationException e)
        {
            run.Coordinator.Tell(new GradientWorkFailed(jobId, _member, $"adding shards {run.Chain.First}..{run.Chain.Last}", e));
            return false;
        }
    }

    /// <summary>Once the run's sum is complete: on to the next run's member, or, from the last run, to each parameter's owner.</summary>
    private void Forward(string jobId, Run run)
    {
        var chain = run.Chain;
        if (chain.TryFold() is not { } sum) return;
        if (StepTimeline.Enabled) StepTimeline.Record(jobId, $"chain: sum to s{chain.Last} complete");
        if (sum.Length != run.Parameters)
        {
            foreach (var t in sum) t.Dispose();
            run.Coordinator.Tell(new GradientWorkFailed(jobId, _member, $"adding shards {chain.First}..{chain.Last}",
                new InvalidOperationException($"The sum of the shards before carries {sum.Length} tensors; the spec has {run.Parameters} parameters.")));
            return;
        }
        var provider = ((ExtendedActorSystem)Context.System).Provider;
        var target = chain.Next;
        try
        {
            // The sum is this member's: once a send has serialized it, its storage goes back to the pool for the next
            // step; a message that travels as an object (a local recipient) takes it along, and the GC has it after.
            if (target.Length > 0)
            {
                if (_sender.Send(provider.ResolveActorRef(target), new ChainSum(jobId, run.Step, chain.Round, chain.Last, [.. sum]), Self))
                    foreach (var t in sum) t.Dispose();
                return;
            }
            for (var i = 0; i < sum.Length; i++)
            {
                if (chain.Owners.IsEmpty)
                {
                    // A gradient job has no owners: the sums go to its coordinator.
                    target = run.Coordinator.Path.ToString();
                    if (_sender.Send(run.Coordinator, new ParameterGradient(jobId, run.Step, i, sum[i]), Self)) sum[i].Dispose();
                    continue;
                }
                if (chain.Owners[i].Length == 0)
                {
                    sum[i].Dispose(); // the coordinator has this parameter's sum already
                    continue;
                }
                target = chain.Owners[i];
                if (_sender.Send(provider.ResolveActorRef(target), new BatchGradient(jobId, run.Step, i, sum[i]), Self)) sum[i].Dispose();
            }
        }
        catch (Exception e)
        {
            run.Coordinator.Tell(new GradientWorkFailed(jobId, _member, $"adding shards {chain.First}..{chain.Last}",
                new InvalidOperationException($"The sum could not be sent to '{target}': {e.Message}", e)));
        }
    }

    private void Forget(string jobId)
    {
        _early.Remove(jobId);
        if (_endedSet.Add(jobId))
        {
            _ended.Enqueue(jobId);
            if (_ended.Count > EndedKept) _endedSet.Remove(_ended.Dequeue());
        }
        if (!_runs.Remove(jobId, out var run)) return;
        run.Chain.Dispose();
        if (_runs.Values.All(r => !r.Coordinator.Equals(run.Coordinator))) Context.Unwatch(run.Coordinator);
    }

    protected override void PostStop()
    {
        foreach (var run in _runs.Values) run.Chain.Dispose();
        _runs.Clear();
    }
}
