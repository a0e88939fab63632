using ActorGrad.Protocol.Gradients;
using Akka.Actor;
using AkkaCluster = Akka.Cluster.Cluster;

namespace ActorGrad.Cluster.Gradients;

/// <summary>
/// /user/gradients on every worker member: the address coordinators talk to. It hosts the parameter owners that
/// coordinators place on this member (children, stopped when their job ends or their coordinator is gone) and
/// hands shards to this member's <see cref="ShardWorker"/>. Placement is the coordinator's own (owner i on worker
/// i mod n, re-created on another worker when its member is lost) rather than Cluster.Sharding: an owner lives for
/// one step of one job, its identity is (job, step, parameter), and the coordinator must know exactly where each one
/// is to re-create it "from the step's parameter version" — sharding's rebalancing and remembered entities would
/// add a second, asynchronous notion of where an owner lives.
/// </summary>
internal sealed class GradientService : ReceiveActor
{
    public const string Name = "gradients";

    private readonly ITensorMessageSender _sender;
    private readonly string _member;
    private readonly IActorRef _worker;
    private readonly Dictionary<string, HashSet<IActorRef>> _ownersByJob = new(StringComparer.Ordinal);
    private readonly Dictionary<IActorRef, string> _jobOfOwner = [];

    public GradientService(ITensorMessageSender sender)
    {
        _sender = sender;
        _member = AkkaCluster.Get(Context.System).SelfAddress.ToString();
        _worker = Context.ActorOf(ShardWorker.Props(sender, _member), "worker");
        Receive<CreateOwner>(m => CreateOwner(m.JobId, m.Parameter, m.Shards, () => ParameterOwner.Props(m, Sender, _sender, _member)));
        Receive<CreateStepOwner>(m => CreateOwner(m.JobId, m.Parameter, m.Shards, () => ParameterOwner.Props(m, Sender, _sender, _member)));
        Receive<PrepareJob>(m => _worker.Forward(m));
        Receive<RunShard>(m => _worker.Forward(m));
        Receive<EndJob>(m =>
        {
            _worker.Forward(m);
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
        });
    }

    public static Props Props(ITensorMessageSender sender) => Akka.Actor.Props.Create(() => new GradientService(sender));

    // An owner or the worker that throws is a bug, never retried blindly: it stops, and the coordinator (watching the
    // owner) re-creates it from the step's parameter version.
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);

    private void CreateOwner(string jobId, int parameter, int shards, Func<Props> props)
    {
        if (shards < 1 || parameter < 0)
        {
            Sender.Tell(new GradientWorkFailed(jobId, _member, $"creating the owner of parameter {parameter}",
                new ArgumentException($"An owner needs at least one shard and a parameter index of 0 or more, not {shards} shards for parameter {parameter}.")));
            return;
        }
        var owner = Context.ActorOf(props());
        Context.Watch(owner);
        if (!_ownersByJob.TryGetValue(jobId, out var owners)) _ownersByJob[jobId] = owners = [];
        owners.Add(owner);
        _jobOfOwner[owner] = jobId;
    }
}
