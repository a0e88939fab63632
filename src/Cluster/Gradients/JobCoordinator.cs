using System.Collections.Immutable;
using ActorGrad.Engine.Tensors;
using ActorGrad.Protocol.Gradients;
using ActorGrad.Protocol.Tensors;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using static Akka.Cluster.ClusterEvent;
using AkkaCluster = Akka.Cluster.Cluster;

using ActorGrad.Cluster.Metrics;

namespace ActorGrad.Cluster.Gradients;

/// <summary>
/// The coordinator of one gradient job (it runs where the job is submitted, typically a `client` member, so losing
/// any worker never loses the job's bookkeeping). In a training step it places one owner per parameter over the Up
/// worker members. Once every owner is ready it starts a round: the job's fixed shards in contiguous runs, one run per
/// worker, whose workers pass the running sum along in shard order (<see cref="ShardWorker"/>, <see cref="ChainRun"/>)
/// to the owners, or in a gradient job back here. It watches the members through cluster events (and the owners
/// through DeathWatch) rather than polling. A worker that becomes Unreachable or leaves is lost for the job: if it held
/// a run of the current round or an owner whose step is not in, the owners it hosted are re-created elsewhere from the
/// step's parameter values and optimizer state, and a new round runs over the workers left (every round adds the same
/// bits; members drop what they hold of older rounds). A lost worker that becomes reachable again, and any worker that
/// comes Up during the job (a new member, or a restarted one at the same address), takes part in later rounds. With no
/// worker left, or past the job's time bound, the job fails. The coordinator lives in the submitting member: losing
/// that member loses the job (its caller gets an error or nothing), as losing the driver does in PyTorch.
/// </summary>
internal sealed class JobCoordinator : ReceiveActor, IWithTimers
{
    private sealed record DeadlinePassed
    {
        public static readonly DeadlinePassed Instance = new();
    }

    private readonly string _jobId;
    private readonly GradientJob _job;
    private readonly ImmutableArray<ITensorPayload> _parameters;
    private readonly ImmutableArray<ITensorPayload>[] _shards;
    private readonly int _fullBatchSize;
    private readonly TaskCompletionSource<GradientResult> _completion;
    private readonly Action<ShardProgress>? _progress;
    private readonly ITensorMessageSender _sender;
    private readonly AkkaCluster _cluster;

    private readonly List<Address> _workers = [];
    private readonly HashSet<UniqueAddress> _lost = [];
    private readonly HashSet<UniqueAddress> _unreachable = [];
    private readonly HashSet<Address> _used = [];
    private readonly HashSet<Address> _prepared = [];
    private readonly IActorRef?[] _owners;
    private readonly Address?[] _ownerMember;
    private readonly Tensor?[] _gradients;
    private readonly (Tensor Value, ImmutableArray<Tensor> State)?[] _stepped;
    private readonly ImmutableArray<ITensorPayload>[] _state;
    private readonly float?[] _losses;
    private readonly List<Address> _chain = []; // the current round's run workers, in shard order; empty until it starts
    private int _round;
    private int _attempts;
    private int _cursor;
    private readonly long _started = System.Diagnostics.Stopwatch.GetTimestamp();

    public JobCoordinator(string jobId, GradientJob job, ImmutableArray<ITensorPayload> parameters, ImmutableArray<ITensorPayload>[] shards,
        int fullBatchSize, TaskCompletionSource<GradientResult> completion, Action<ShardProgress>? progress, ITensorMessageSender sender)
    {
        _jobId = jobId;
        _job = job;
        _parameters = parameters;
        _shards = shards;
        _fullBatchSize = fullBatchSize;
        _completion = completion;
        _progress = progress;
        _sender = sender;
        _cluster = AkkaCluster.Get(Context.System);
        _owners = new IActorRef?[parameters.Length];
        _ownerMember = new Address?[parameters.Length];
        _gradients = new Tensor?[parameters.Length];
        _stepped = new (Tensor, ImmutableArray<Tensor>)?[parameters.Length];
        _state = Enumerable.Range(0, parameters.Length)
            .Select(i => job.OptimizerState.IsDefaultOrEmpty ? [] : job.OptimizerState[i].Select(t => (ITensorPayload)t).ToImmutableArray())
            .ToArray();
        _losses = new float?[shards.Length];
        if (StepTimeline.Enabled) StepTimeline.Record(jobId, "coordinator: constructed");
        Starting();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string jobId, GradientJob job, ImmutableArray<ITensorPayload> parameters, ImmutableArray<ITensorPayload>[] shards,
        int fullBatchSize, TaskCompletionSource<GradientResult> completion, Action<ShardProgress>? progress, ITensorMessageSender sender) =>
        Akka.Actor.Props.Create(() => new JobCoordinator(jobId, job, parameters, shards, fullBatchSize, completion, progress, sender));

    protected override void PreStart()
    {
        _cluster.Subscribe(Self, SubscriptionInitialStateMode.InitialStateAsSnapshot, typeof(IMemberEvent), typeof(IReachabilityEvent));
        Timers.StartSingleTimer(nameof(DeadlinePassed), DeadlinePassed.Instance, _job.Timeout);
        if (StepTimeline.Enabled) StepTimeline.Record(_jobId, "coordinator: subscribed");
    }

    protected override void PostStop()
    {
        _cluster.Unsubscribe(Self);
        // Stopped without a result: this member (the submitter's) is shutting down or was downed.
        _completion.TrySetException(new GradientJobException(
            $"Job {_jobId} stopped before it finished: the submitting member {_cluster.SelfAddress} is shutting down."));
    }

    private void Starting()
    {
        Receive<CurrentClusterState>(state =>
        {
            if (StepTimeline.Enabled) StepTimeline.Record(_jobId, "coordinator: cluster state");
            foreach (var m in state.Unreachable) _unreachable.Add(m.UniqueAddress);
            var workers = state.Members
                .Where(m => m.Status == MemberStatus.Up && m.HasRole(GradientRoles.Worker) && !state.Unreachable.Contains(m))
                .Select(m => m.Address).OrderBy(a => a, Member.AddressOrdering).ToList();
            if (workers.Count == 0)
            {
                Fail($"Job {_jobId} found no Up member with role '{GradientRoles.Worker}' to run on (members: {string.Join(", ", state.Members.Select(m => $"{m.Address} {m.Status} [{string.Join(",", m.Roles)}]"))}).");
                return;
            }
            var offset = ((_job.PlacementOffset % workers.Count) + workers.Count) % workers.Count;
            _workers.AddRange(workers.Skip(offset).Concat(workers.Take(offset)));
            // Owners only where there is something to own between steps: a training step's optimizer state. A gradient
            // job's sums go straight from the chain's last run to this coordinator.
            if (_job.Optimizer is not null)
            {
                Prepare(_workers.Take(_owners.Length)); // one encode of the parameters for every member that gets an owner
                for (var i = 0; i < _owners.Length; i++) PlaceOwner(i, _workers[i % _workers.Count]);
            }
            Become(Running);
            Dispatch();
        });
        Receive<DeadlinePassed>(_ => TimedOut());
    }

    private void Running()
    {
        Receive<OwnerReady>(m =>
        {
            var i = m.Parameter;
            if (m.JobId != _jobId || i < 0 || i >= _owners.Length || _gradients[i] is not null || _owners[i] is not null
                || !MemberOf(Sender).Equals(_ownerMember[i])) return; // an owner re-created meanwhile, or another job's
            _owners[i] = Sender;
            Context.Watch(Sender);
            Dispatch();
        });
        Receive<ShardDone>(m =>
        {
            if (m.JobId != _jobId || m.Shard < 0 || m.Shard >= _losses.Length) return;
            _losses[m.Shard] ??= m.Loss; // every run of a shard gives the same loss bits
            if (StepTimeline.Enabled) StepTimeline.Record(_jobId, $"coordinator: ShardDone s{m.Shard}");
            _progress?.Invoke(new ShardProgress(m.Shard, MemberOf(Sender).ToString(), m.Attempt));
            TryComplete();
        });
        Receive<ParameterGradient>(m =>
        {
            if (m.JobId != _jobId || m.Parameter < 0 || m.Parameter >= _gradients.Length) return;
            _gradients[m.Parameter] ??= Tensor.From(m.Value); // every round adds the same bits
            if (StepTimeline.Enabled) StepTimeline.Record(_jobId, $"coordinator: ParameterGradient p{m.Parameter}");
            TryComplete();
        });
        Receive<ParameterStepped>(m =>
        {
            if (m.JobId != _jobId || m.Parameter < 0 || m.Parameter >= _gradients.Length || _gradients[m.Parameter] is not null) return;
            _stepped[m.Parameter] = (Tensor.From(m.Value), [.. m.State.Select(Tensor.From)]); // every round steps to the same bits
            _gradients[m.Parameter] = Tensor.From(m.Gradient);
            TryComplete();
        });
        Receive<GradientWorkFailed>(m => m.JobId == _jobId, m =>
            Fail($"Member {m.Member} failed job {_jobId} ({m.What}): {m.Cause.Message}", m.Member, m.Cause));
        Receive<Terminated>(t =>
        {
            var lost = Enumerable.Range(0, _owners.Length).Where(i => t.ActorRef.Equals(_owners[i]) && _gradients[i] is null).ToArray();
            if (lost.Length == 0) return;
            ReplaceOwners(lost);
            NewRound();
        });
        Receive<MemberUp>(up => WorkerAvailable(up.Member));
        Receive<ReachableMember>(m =>
        {
            _unreachable.Remove(m.Member.UniqueAddress);
            WorkerAvailable(m.Member);
        });
        Receive<UnreachableMember>(m =>
        {
            _unreachable.Add(m.Member.UniqueAddress);
            MemberLost(m.Member, "unreachable");
        });
        Receive<MemberExited>(m => MemberLost(m.Member, "leaving"));
        Receive<MemberDowned>(m => MemberLost(m.Member, "downed"));
        Receive<MemberRemoved>(m => MemberLost(m.Member, "removed"));
        Receive<IClusterDomainEvent>(_ => { });
        Receive<DeadlinePassed>(_ => TimedOut());
    }

    /// <summary>
    /// A worker Up and reachable, new to the job or back: later shards may go to it. Its incarnation's job is prepared
    /// afresh (a new incarnation never had it; one that was unreachable may have missed messages).
    /// </summary>
    private void WorkerAvailable(Member worker)
    {
        if (!worker.HasRole(GradientRoles.Worker) || worker.Status != MemberStatus.Up || _workers.Contains(worker.Address)
            || _unreachable.Contains(worker.UniqueAddress)) return;
        if (_lost.Remove(worker.UniqueAddress))
            Context.GetLogger().Info("Job {0}: worker {1} is reachable again; it takes shards again", _jobId, worker.Address);
        _workers.Add(worker.Address);
        _prepared.Remove(worker.Address);
    }

    private void MemberLost(Member lost, string how)
    {
        var member = lost.Address;
        // Only the incarnation given work counts (a restarted member at the same address is a new worker).
        if (!_workers.Remove(member)) return;
        _lost.Add(lost.UniqueAddress);
        _prepared.Remove(member);
        Context.GetLogger().Warning("Job {0}: worker {1} is {2}; its work moves to {3} other worker(s)", _jobId, member, how, _workers.Count);
        if (_workers.Count == 0)
        {
            Fail($"Job {_jobId} has no worker left: {string.Join(", ", _lost.Select(u => u.Address))} {(_lost.Count == 1 ? "was" : "were")} lost (last: {member}, {how}); a job needs at least one Up member with role '{GradientRoles.Worker}'.");
            return;
        }
        // Every sum and every shard's loss in: nothing of the member's is needed. (A loss can be missing with the sums in:
        // a member's ShardDone travels on Akka.Remote, its sums on the lane, and a dying member may lose the former.)
        if (_gradients.All(g => g is not null) && _losses.All(l => l is not null)) return;
        var orphans = Enumerable.Range(0, _owners.Length).Where(i => member.Equals(_ownerMember[i]) && _gradients[i] is null).ToArray();
        ReplaceOwners(orphans);
        // The chain's sums pass through every run's worker: one lost (or an owner lost) means the round starts again.
        if (orphans.Length > 0 || _chain.Contains(member)) NewRound();
    }

    /// <summary>New owners elsewhere, from the step's parameter values.</summary>
    private void ReplaceOwners(int[] parameters)
    {
        foreach (var i in parameters)
        {
            if (_owners[i] is { } old) Context.Unwatch(old);
            PlaceOwner(i, _workers[_cursor++ % _workers.Count]);
        }
    }

    /// <summary>
    /// The step's shards again, in runs over the workers there are now, once every owner still waiting is ready. Its
    /// round number makes members drop what they still hold of older rounds; the sums are the same bits in any round.
    /// </summary>
    private void NewRound()
    {
        _round++;
        _chain.Clear();
        ClusterMetrics.ShardsRerun.Add(_shards.Length);
        Dispatch();
    }

    private void PlaceOwner(int parameter, Address member)
    {
        _owners[parameter] = null;
        _ownerMember[parameter] = member;
        _used.Add(member);
        // A training step's owner starts from the step's parameter version and optimizer state, both kept here: an owner
        // re-created after a fault steps from exactly what the lost one had.
        var create = new CreateStepOwner(_jobId, _job.Step, parameter, _job.Optimizer!, _state[parameter]);
        Prepare([member]); // the owner starts from the values PrepareJob delivers: they are sent once per member, never twice
        _sender.Send(ServiceAt(member), create, Self);
    }

    /// <summary>
    /// The spec and the step's parameters go to each member once per step, before its first owner or shard (messages
    /// between two actors keep their order); the members that need them now get one encoding of them.
    /// </summary>
    private void Prepare(IEnumerable<Address> members)
    {
        var targets = members.Where(_prepared.Add).Select(m => (ICanTell)ServiceAt(m)).ToList();
        if (targets.Count > 0)
            _sender.SendToAll(targets, new PrepareJob(_jobId, _job.Step, _job.Spec, _parameters, _fullBatchSize), Self);
    }

    /// <summary>
    /// Starts the round, once each parameter still waiting has a ready owner: the shards in contiguous runs, one run
    /// per worker in order (as even as can be, the longer runs last), each run's worker told the next one's, the last run the owners (none in
    /// a gradient job: its sums come here).
    /// </summary>
    private void Dispatch()
    {
        if (_chain.Count > 0) return; // this round is out
        var hasOwners = _job.Optimizer is not null;
        for (var i = 0; hasOwners && i < _owners.Length; i++)
            if (_gradients[i] is null && _owners[i] is null) return;
        var owners = hasOwners
            ? Enumerable.Range(0, _owners.Length).Select(i => _gradients[i] is null ? Akka.Serialization.Serialization.SerializedActorPath(_owners[i]!) : "").ToImmutableArray()
            : [];
        var runs = Math.Min(_workers.Count, _shards.Length);
        _chain.AddRange(_workers.Take(runs));
        var plan = new (int First, int Last, string Next)[runs];
        for (int k = 0, first = 0; k < runs; k++)
        {
            // The runs as even as can be, the longer ones last: an earlier run finishes sooner, so its sum is on its
            // way to the next run while that one still computes (the chain's hops overlap the compute).
            var last = first + _shards.Length / runs + (k >= runs - _shards.Length % runs ? 1 : 0) - 1;
            var next = k + 1 < runs ? (new RootActorPath(_chain[k + 1]) / "user" / GradientService.Name / GradientService.WorkerName).ToString() : "";
            plan[k] = (first, last, next);
            _used.Add(_chain[k]);
            first = last + 1;
        }
        // What every member needs to start: the parameters (one encoding for all), then each one's first shard, then
        // the rest, so every member starts computing as early as the client can write.
        Prepare(_chain);
        for (var k = 0; k < runs; k++) SendShard(k, plan[k].First, plan[k], owners);
        for (var k = 0; k < runs; k++)
            for (var s = plan[k].First + 1; s <= plan[k].Last; s++) SendShard(k, s, plan[k], owners);
        if (StepTimeline.Enabled) StepTimeline.Record(_jobId, "coordinator: dispatched");
    }

    private void SendShard(int run, int shard, (int First, int Last, string Next) plan, ImmutableArray<string> owners) =>
        _sender.Send(ServiceAt(_chain[run]), new RunShard(_jobId, _job.Step, _round, shard, ++_attempts, plan.First, plan.Last, _shards[shard], plan.Next, owners), Self);

    private void TryComplete()
    {
        if (_losses.Any(l => l is null) || _gradients.Any(g => g is null)) return;
        var loss = _losses[0]!.Value;
        for (var s = 1; s < _losses.Length; s++) loss += _losses[s]!.Value; // shard order, like the gradients
        EndJob();
        var result = new GradientResult(_jobId, _job.Spec, loss, [.. _gradients.Select(g => g!)], _used.Count);
        if (_job.Optimizer is not null)
            result = result with { Parameters = [.. _stepped.Select(s => s!.Value.Value)], OptimizerState = [.. _stepped.Select(s => s!.Value.State)] };
        ClusterMetrics.Steps.Add(1);
        ClusterMetrics.StepDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(_started).TotalSeconds);
        if (StepTimeline.Enabled) StepTimeline.Record(_jobId, "coordinator: result set");
        _completion.TrySetResult(result);
        Context.Stop(Self);
    }

    private void TimedOut() =>
        Fail($"Job {_jobId} did not finish within {_job.Timeout.TotalSeconds:0.#} s ({_losses.Count(l => l is not null)} of {_losses.Length} shards done, {_gradients.Count(g => g is not null)} of {_gradients.Length} gradients summed; workers: {string.Join(", ", _workers)}).");

    private void Fail(string message, string? member = null, Exception? cause = null)
    {
        EndJob();
        ClusterMetrics.StepsFailed.Add(1);
        _completion.TrySetException(new GradientJobException(message, member, cause));
        Context.Stop(Self);
    }

    private void EndJob()
    {
        foreach (var member in _used.Except(_lost.Select(u => u.Address))) ServiceAt(member).Tell(new EndJob(_jobId));
    }

    /// <summary>The member an actor lives on (an actor of this member has a local path: its address is the cluster's).</summary>
    private Address MemberOf(IActorRef actor) => actor.Path.Address.HasLocalScope ? _cluster.SelfAddress : actor.Path.Address;

    private ActorSelection ServiceAt(Address member) => Context.ActorSelection(new RootActorPath(member) / "user" / GradientService.Name);
}
