using System.Collections.Immutable;
using ActorGrad.Engine.Tensors;
using ActorGrad.Protocol.Gradients;
using ActorGrad.Cluster.Metrics;
using Akka.Actor;
using AkkaCluster = Akka.Cluster.Cluster;

namespace ActorGrad.Cluster.Gradients;

/// <summary>
/// /user/gradients on every worker member: the address coordinators talk to. It takes a job's step once
/// (<see cref="PrepareJob"/>: spec, parameter values, batch size), decodes the parameters once for this member's
/// <see cref="ShardWorker"/> and for the parameter owners that coordinators place here (children that start from
/// those values, stopped when their job ends or their coordinator is gone), and hands shards and chain sums to the
/// worker. Owners exist in training steps only. Placement is the coordinator's own (owner i on worker
/// i mod n, re-created on another worker when its member is lost) rather than Cluster.Sharding: an owner lives for
/// one step of one job, its identity is (job, step, parameter), and the coordinator must know exactly where each one
/// is to re-create it "from the step's parameter version" — sharding's rebalancing and remembered entities would
/// add a second, asynchronous notion of where an owner lives.
/// </summary>
internal sealed class GradientService : ReceiveActor
{
    public const string Name = "gradients";

    /// <summary>The member's <see cref="ShardWorker"/>, a child: /user/gradients/worker.</summary>
    public const string WorkerName = "worker";

    private readonly ITensorMessageSender _sender;
    private readonly string _member;
    private readonly IActorRef _worker;
    private readonly Dictionary<string, HashSet<IActorRef>> _ownersByJob = new(StringComparer.Ordinal);
    private readonly Dictionary<IActorRef, string> _jobOfOwner = [];
    private readonly Dictionary<string, PreparedJob> _jobs = new(StringComparer.Ordinal);

    public GradientService(ITensorMessageSender sender, int? computeThreads)
    {
        _sender = sender;
        _member = AkkaCluster.Get(Context.System).SelfAddress.ToString();
        _worker = Context.ActorOf(ShardWorker.Props(sender, _member, computeThreads), WorkerName);
        Receive<CreateStepOwner>(m => CreateOwner(m.JobId, m.Step, m.Parameter, (parameters, value) => ParameterOwner.Props(m, parameters, value, Sender, _sender, _member)));
        Receive<ChainSum>(m => _worker.Forward(m));
        Receive<PrepareJob>(Prepare);
        Receive<RunShard>(m => _worker.Forward(m));
        Receive<EndJob>(m =>
        {
            _worker.Forward(m);
            Forget(m.JobId);
            if (!_ownersByJob.Remove(m.JobId, out var owners)) return;
            foreach (var owner in owners)
            {
                _jobOfOwner.Remove(owner);
                Context.Stop(owner);
            }
        });
        Receive<Terminated>(t =>
        {
            if (_jobOfOwner.Remove(t.ActorRef, out var job) && _ownersByJob.TryGetValue(job, out var owners))
            {
                owners.Remove(t.ActorRef);
                if (owners.Count == 0) _ownersByJob.Remove(job);
            }
            // A coordinator gone: its jobs' values go (its owners watch it and stop by themselves, as does the worker).
            foreach (var (id, prepared) in _jobs.ToArray())
                if (prepared.Coordinator.Equals(t.ActorRef) && _jobs.Remove(id)) prepared.Parameters.Release();
        });
    }

    protected override void PostStop()
    {
        foreach (var prepared in _jobs.Values) prepared.Parameters.Release();
        _jobs.Clear();
    }

    public static Props Props(ITensorMessageSender sender, int? computeThreads) => Akka.Actor.Props.Create(() => new GradientService(sender, computeThreads));

    // An owner or the worker that throws is a bug, never retried blindly: it stops, and the coordinator (watching the
    // owner) re-creates it from the step's parameter version.
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);

    /// <summary>
    /// The step's parameters, decoded once here for the worker and the owners (who only read them): this service, the
    /// worker and each owner hold a lease on them, and the last to let go gives their storage back to the pool.
    /// </summary>
    private void Prepare(PrepareJob m)
    {
        if (StepTimeline.Enabled) StepTimeline.Record(m.JobId, "service: PrepareJob");
        var parameters = new SharedParameters(m.Parameters);
        if (StepTimeline.Enabled) StepTimeline.Record(m.JobId, "service: parameters taken");
        if (_jobs.Values.All(j => !j.Coordinator.Equals(Sender))) Context.Watch(Sender);
        if (_jobs.Remove(m.JobId, out var earlier)) earlier.Parameters.Release(); // prepared again (a member back from unreachable)
        _jobs[m.JobId] = new PreparedJob(m, parameters, Sender);
        _worker.Forward(new PreparedJob(m, parameters.Acquire(), Sender));
    }

    private void Forget(string jobId)
    {
        if (!_jobs.Remove(jobId, out var job)) return;
        job.Parameters.Release();
        if (_jobs.Values.All(j => !j.Coordinator.Equals(job.Coordinator))) Context.Unwatch(job.Coordinator);
    }

    private void CreateOwner(string jobId, long step, int parameter, Func<SharedParameters, Tensor, Props> props)
    {
        var what = $"creating the owner of parameter {parameter}";
        if (!_jobs.TryGetValue(jobId, out var prepared) || prepared.Job.Step != step || parameter < 0 || parameter >= prepared.Parameters.Values.Length)
        {
            Sender.Tell(new GradientWorkFailed(jobId, _member, what, new InvalidOperationException(prepared is null || prepared.Job.Step != step
                ? $"This member holds no prepared step {step} of job {jobId} to take the parameter's value from (PrepareJob comes first)."
                : $"The job has {prepared.Parameters.Values.Length} parameters; there is no parameter {parameter}.")));
            return;
        }
        // The owner holds a lease on the step's values until it stops.
        var owner = Context.ActorOf(props(prepared.Parameters.Acquire(), prepared.Parameters.Values[parameter]));
        Context.Watch(owner);
        if (!_ownersByJob.TryGetValue(jobId, out var owners)) _ownersByJob[jobId] = owners = [];
        owners.Add(owner);
        _jobOfOwner[owner] = jobId;
    }
}

/// <summary>
/// A job's step as this member took it: the message, a lease on its parameters decoded (spec order), its coordinator.
/// Local only; whoever receives one releases its lease when done with the job.
/// </summary>
internal sealed record PreparedJob(PrepareJob Job, SharedParameters Parameters, IActorRef Coordinator);
