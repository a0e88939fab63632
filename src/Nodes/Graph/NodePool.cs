using Akka.Actor;

namespace ActorGrad.Nodes.Graph;

/// <summary>
/// One session's node actors: idle ones wait here for the next recorded node, a spawn happens only
/// when none is idle, and at most <see cref="MaxIdle"/> wait (a released large graph does not keep
/// its actors). Counts the live nodes, which Akka does not.
/// </summary>
internal sealed class NodePool
{
    /// <summary>How many idle actors are kept; beyond that an ended node's actor stops.</summary>
    public const int MaxIdle = 4096;
    private readonly Stack<IActorRef> _idle = new();
    private readonly ActorSystem _system;
    private readonly TimeSpan _timeout;
    private long _live;

    public NodePool(ActorSystem system, string dispatcher, string name, TimeSpan timeout)
    {
        _system = system;
        _timeout = timeout;
        Supervisor = system.ActorOf(Props.Create(() => new NodeSupervisor(this, dispatcher)).WithDispatcher(dispatcher), name);
    }

    public IActorRef Supervisor { get; }

    /// <summary>Nodes an actor is being now (recorded ops and leaves not yet ended).</summary>
    public long LiveNodes => Volatile.Read(ref _live);

    /// <summary>An idle actor becomes <paramref name="node"/>; returns it.</summary>
    public IActorRef Take(NodeBehavior node)
    {
        var actor = Rent();
        actor.Tell(new Assume(node), ActorRefs.NoSender);
        return actor;
    }

    private IActorRef Rent()
    {
        lock (_idle)
            if (_idle.TryPop(out var idle)) return idle;
        return ReplySlot.Ask<IActorRef>(_system, Supervisor, NodeSupervisor.SpawnNode.Instance, _timeout);
    }

    /// <summary>An ended node's actor offers itself back; false when the pool is full (it stops then).</summary>
    public bool TryReturn(IActorRef actor)
    {
        lock (_idle)
        {
            if (_idle.Count >= MaxIdle) return false;
            _idle.Push(actor);
            return true;
        }
    }

    public void NodeStarted() => Interlocked.Increment(ref _live);
    public void NodeEnded() => Interlocked.Decrement(ref _live);

    /// <summary>The session ends: no actor is handed out again.</summary>
    public void Clear()
    {
        lock (_idle) _idle.Clear();
    }
}
