using Akka.Actor;
using Akka.Event;

namespace ActorGrad.Nodes.Graph;

/// <summary>
/// The actor of graph nodes. Idle, it waits in its session's pool; told to <see cref="Assume"/> a
/// node, it becomes that node (leaf or recorded op) until the node ends, then goes back to the
/// pool idle. Spawning an Akka actor costs microseconds and kilobytes; taking the next node by
/// message costs one hop. An actor made for one node (no pool, as in a test) stops when it ends.
/// </summary>
internal sealed class NodeActor : UntypedActor
{
    private readonly NodePool? _pool;
    private readonly Receive _active;
    private NodeBehavior? _first;
    private NodeBehavior? _node;
    private ILoggingAdapter? _log;

    public NodeActor(NodePool? pool, NodeBehavior? first = null)
    {
        _pool = pool;
        _first = first;
        _active = Active;
    }

    /// <summary>Props of an actor that is <paramref name="node"/> and stops when it ends (no pool).</summary>
    public static Props PropsFor(NodeBehavior node, string dispatcher) =>
        Props.Create(() => new NodeActor(null, node)).WithDispatcher(dispatcher);

    internal IActorRef SelfRef => Self;
    internal IActorRef SenderRef => Sender;
    internal ILoggingAdapter Log => _log ??= Context.GetLogger();

    protected override void PreStart()
    {
        if (_first is null) return;
        var first = _first;
        _first = null;
        Take(first);
    }

    /// <summary>Idle: waits for a node to be.</summary>
    protected override void OnReceive(object message)
    {
        if (message is Assume assume) Take(assume.Node);
        else Drop(message); // meant for a node that has ended
    }

    private void Take(NodeBehavior node)
    {
        _node = node;
        _pool?.NodeStarted();
        Become(_active);
        node.Start(this);
    }

    private bool Active(object message)
    {
        _node!.Receive(message);
        return true;
    }

    /// <summary>The current node ends: its actor goes back to the pool idle, or stops.</summary>
    internal void End()
    {
        if (_node is not { } node) return;
        _node = null;
        node.OnEnd();
        _pool?.NodeEnded();
        if (_pool is not null && _pool.TryReturn(Self))
        {
            Become(OnReceive);
            return;
        }
        Context.Stop(Self);
    }

    internal void Drop(object message) => Unhandled(message);

    protected override void PostStop()
    {
        if (_node is not { } node) return;
        _node = null;
        node.OnEnd();
        _pool?.NodeEnded();
    }
}

/// <summary>Be <paramref name="Node"/> from now on (to an idle node actor, from its pool).</summary>
internal sealed record Assume(NodeBehavior Node);
