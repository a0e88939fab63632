using Akka.Actor;
using Akka.Event;
using ActorGrad.Protocol.Nodes;

namespace ActorGrad.Nodes.Graph;

/// <summary>
/// The actor of graph nodes. Idle, it waits in its session's pool; told a node (the
/// <see cref="NodeBehavior"/> itself is the message), it becomes that node (leaf or recorded op) until the node ends, then goes back to the
/// pool idle. Spawning an Akka actor costs microseconds and kilobytes; taking the next node by
/// message costs one hop. An actor made for one node (no pool, as in a test) stops when it ends.
/// </summary>
/// <remarks>
/// The two states are the field <c>_node</c> (null: idle), not Become: Akka's first Become after
/// the constructor turns the cell's small default state into a full one (two dictionaries, a set
/// and a stack, about 300 bytes), kept for life by each of the tens of thousands of pooled actors,
/// which every gen1 collection then scans.
/// </remarks>
internal sealed class NodeActor : UntypedActor
{
    private readonly NodePool? _pool;
    // The cell, kept: Akka's Self, Sender and Context look the current cell up in a thread-static on
    // every call, and a node uses them on every message.
    private readonly IUntypedActorContext _context;
    private readonly IActorRef _self;
    private NodeBehavior? _first;
    private NodeBehavior? _node;
    private ILoggingAdapter? _log;

    public NodeActor(NodePool? pool, NodeBehavior? first = null)
    {
        _pool = pool;
        _first = first;
        _context = Context;
        _self = _context.Self;
    }

    /// <summary>Props of an actor that is <paramref name="node"/> and stops when it ends (no pool).</summary>
    public static Props PropsFor(NodeBehavior node, string dispatcher) =>
        Props.Create(() => new NodeActor(null, node)).WithDispatcher(dispatcher);

    internal IActorRef SelfRef => _self;
    internal IActorRef SenderRef => _context.Sender;
    internal ILoggingAdapter Log => _log ??= _context.GetLogger();

    protected override void PreStart()
    {
        if (_first is null) return;
        var first = _first;
        _first = null;
        Take(first);
    }

    protected override void OnReceive(object message)
    {
        if (_node is { } node) Active(node, message);
        else Idle(message);
    }

    /// <summary>Idle: waits for a node to be.</summary>
    private void Idle(object message)
    {
        if (message is NodeBehavior node) Take(node); // be this node from now on (from the pool)
        else if (message is ToNode addressed) Stale(addressed);
        else Drop(message); // meant for a node that has ended
    }

    private void Take(NodeBehavior node)
    {
        _node = node;
        _pool?.NodeStarted();
        node.Start(this);
    }

    /// <summary>Being <paramref name="node"/>: its messages go to it.</summary>
    private void Active(NodeBehavior node, object message)
    {
        if (message is ToNode addressed)
        {
            if (ReferenceEquals(addressed.Slot, node.Slot)) node.Receive(addressed.Message);
            else Stale(addressed);
            return;
        }
        node.Receive(message);
    }

    /// <summary>
    /// A message from a handle's side for a node this actor was before: the node ended while the
    /// message was on its way (another thread). A read is answered from the slot; the rest is dropped.
    /// </summary>
    private void Stale(ToNode addressed)
    {
        switch (addressed.Message)
        {
            case GradRequest:
                SenderRef.Tell(new GradReply(addressed.Slot.Grad?.Clone()), _self);
                break;
            case TakeGrad:
                SenderRef.Tell(new GradReply(addressed.Slot.TakeGrad()), _self);
                break;
            case ValueRequest when addressed.Slot.Value is { } value:
                SenderRef.Tell(new ValueReply(value), _self);
                break;
            case SavedInputsRequest:
                // An op node ends only once freed (or unused, when no pass would reach it).
                SenderRef.Tell(new Status.Failure(OpNode.GraphFreedError()), _self);
                break;
            default:
                Drop(addressed.Message);
                break;
        }
    }

    /// <summary>The current node ends: its actor goes back to the pool idle, or stops.</summary>
    internal void End()
    {
        if (_node is not { } node) return;
        _node = null;
        node.OnEnd();
        _pool?.NodeEnded();
        if (_pool is not null && _pool.TryReturn(_self)) return; // idle again (_node is null)
        _context.Stop(_self);
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

/// <summary>
/// A node message from the handle's side (a session, a Var), addressed to the node of <paramref name="Slot"/>:
/// its actor may have become another node by the time it arrives, and then it is not that node's.
/// </summary>
internal sealed record ToNode(ValueSlot Slot, object Message);
