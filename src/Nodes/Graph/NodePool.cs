using Akka.Actor;

namespace ActorGrad.Nodes.Graph;

/// <summary>
/// One session's node actors: idle ones wait here for the next recorded node, and a spawn happens
/// only when none is idle. Like PyTorch's caching allocator the pool keeps its peak (a training
/// loop that builds a 100,000-node graph each step spawns once, not every step);
/// <see cref="Trim"/> (Session.Collect) stops the idle actors beyond <see cref="KeepAfterTrim"/>.
/// Counts the live nodes, which Akka does not.
/// </summary>
internal sealed class NodePool
{
    /// <summary>How many idle actors a trim keeps.</summary>
    public const int KeepAfterTrim = 4096;
    private readonly Stack<IActorRef> _idle = new();
    private readonly ActorSystem _system;
    private readonly TimeSpan _timeout;
    private long _live;

    public NodePool(ActorSystem system, string dispatcher, string name, TimeSpan timeout)
    {
        _system = system;
        _timeout = timeout;
        Supervisor = system.ActorOf(Props.Create(() => new NodeSupervisor(this, dispatcher)).WithDispatcher(dispatcher), name);
        // A top-level actor starts when its guardian (on Akka's default dispatcher) takes it in. Wait
        // for that here, once: from then on the parent, and every node it spawns, runs on the calling
        // thread, so a node recorded now is alive (and counted) when recording returns.
        ReplySlot.AskRaw(system, Supervisor, new Identify(null), timeout);
    }

    public IActorRef Supervisor { get; }

    /// <summary>Nodes an actor is being now (recorded ops and leaves not yet ended).</summary>
    public long LiveNodes => Volatile.Read(ref _live);

    /// <summary>An idle actor becomes <paramref name="node"/>; returns it.</summary>
    public IActorRef Take(NodeBehavior node)
    {
        var actor = Rent();
        actor.Tell(node, ActorRefs.NoSender);
        return actor;
    }

    private IActorRef Rent()
    {
        lock (_idle)
            if (_idle.TryPop(out var idle)) return idle;
        return ReplySlot.Ask<IActorRef>(_system, Supervisor, NodeSupervisor.SpawnNode.Instance, _timeout);
    }

    /// <summary>An ended node's actor offers itself back; false once the session has ended (it stops then).</summary>
    public bool TryReturn(IActorRef actor)
    {
        lock (_idle)
        {
            if (_closed) return false;
            _idle.Push(actor);
            return true;
        }
    }

    private bool _closed;

    /// <summary>Idle actors waiting for a node.</summary>
    public int IdleCount
    {
        get { lock (_idle) return _idle.Count; }
    }

    /// <summary>Stops the idle actors beyond <see cref="KeepAfterTrim"/> (after a large graph, to give their memory back).</summary>
    public void Trim()
    {
        List<IActorRef>? extra = null;
        lock (_idle)
            while (_idle.Count > KeepAfterTrim) (extra ??= []).Add(_idle.Pop());
        if (extra is null) return;
        foreach (var actor in extra) _system.Stop(actor);
    }

    public void NodeStarted()
    {
        Interlocked.Increment(ref _live);
        NodeMetrics.NodeStarted();
    }

    public void NodeEnded()
    {
        Interlocked.Decrement(ref _live);
        NodeMetrics.NodeEnded();
    }

    /// <summary>The session ends: no actor is handed out again.</summary>
    public void Clear()
    {
        lock (_idle)
        {
            _closed = true;
            _idle.Clear();
        }
    }
}
