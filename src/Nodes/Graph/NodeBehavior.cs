using Akka.Actor;
using Akka.Event;
using ActorGrad.Engine.Tensors;
using ActorGrad.Protocol.Nodes;

namespace ActorGrad.Nodes.Graph;

/// <summary>
/// What every graph node does alike, leaf or op: serve its value to consumers and to readers,
/// buffer each backward pass's incoming VJPs until the counted number has arrived, keep a
/// retained gradient, and end once neither its handle nor any consumer needs it. It is the
/// behaviour a <see cref="NodeActor"/> takes for one recorded node, and leaves when the
/// node ends: the actor goes back to its pool, or stops if it has none.
/// </summary>
internal abstract class NodeBehavior
{
    private NodeActor? _host;
    private List<(IActorRef Consumer, int Slot)>? _pendingConsumers;
    private List<IActorRef>? _valueWaiters;
    // The open passes: the first in two fields (one pass at a time is the usual case), more in a dictionary.
    private long _passId;
    private PassBuffer? _pass;
    private Dictionary<long, PassBuffer>? _morePasses;
    private int _consumers;
    private bool _handleReleased;

    protected NodeBehavior(ValueSlot slot) => Slot = slot;

    private NodeActor Host => _host ?? throw new InvalidOperationException("A node behaviour runs inside a NodeActor.");
    protected IActorRef Self => Host.SelfRef;
    protected IActorRef Sender => Host.SenderRef;
    /// <summary>True once the node has ended (its actor is idle in the pool, or stopped).</summary>
    internal bool HasEnded { get; private set; }

    /// <summary>What this node shares with its handle; also what messages from the handle's side are addressed to (<see cref="ToNode"/>).</summary>
    internal ValueSlot Slot { get; }
    protected Tensor? Value { get; private set; }
    protected Exception? Failure { get; private set; }
    /// <summary>The gradient kept on this node: a leaf's .grad, or a non-leaf's after RetainGrad.</summary>
    protected Tensor? Grad { get; set; }
    /// <summary>Whether this node may end once no consumer is left (a freed op node may, a leaf may not).</summary>
    protected virtual bool DoneWhenUnused => false;

    /// <summary>The actor starts being this node: what the node does first (subscribing to its inputs).</summary>
    internal void Start(NodeActor host)
    {
        _host = host;
        OnStart();
    }

    protected virtual void OnStart() { }

    internal void Receive(object message)
    {
        switch (message)
        {
            case Subscribe s: OnSubscribe(s); break;
            case Unsubscribe: OnUnsubscribe(); break;
            case ValueRequest: OnValueRequest(); break;
            case PreparePass p: OnPreparePass(p); break;
            case Gradient g: OnGradient(g); break;
            case AbortPass a: DropPass(a.PassId); break;
            case GradRequest: Sender.Tell(new GradReply(Grad?.Clone()), Self); break;
            case TakeGrad: Sender.Tell(new GradReply(Grad), Self); Grad = null; break;
            case ZeroGrad: Grad?.Span.Clear(); break;
            case HandleReleased: _handleReleased = true; EndIfUnneeded(); break;
            default: OnNodeMessage(message); break;
        }
    }

    /// <summary>Messages particular to a kind of node.</summary>
    protected virtual void OnNodeMessage(object message) => Host.Drop(message);

    /// <summary>Does this node's part of a completed pass with the summed gradient (which it now owns).</summary>
    protected abstract void OnPassComplete(long passId, Tensor gradient, PassBuffer pass);

    /// <summary>May a pass start here? Null if yes, else the reason it fails.</summary>
    protected virtual Exception? CanBackward() => Failure;

    // ---- value ----

    protected void SetValue(Tensor value, Tensor? tangent = null)
    {
        Value = value;
        Slot.Publish(value, tangent);
        if (_pendingConsumers is not null)
            foreach (var (consumer, slot) in _pendingConsumers) consumer.Tell(ForwardMessage(slot), Self);
        _pendingConsumers = null;
        if (_valueWaiters is null) return;
        foreach (var w in _valueWaiters) w.Tell(new ValueReply(value), Self);
        _valueWaiters = null;
    }

    protected void SetFailure(Exception cause)
    {
        Failure = cause;
        Slot.PublishFailure(cause);
        if (_pendingConsumers is not null)
            foreach (var (consumer, slot) in _pendingConsumers) consumer.Tell(new ForwardFailed(slot, cause), Self);
        _pendingConsumers = null;
        if (_valueWaiters is null) return;
        foreach (var w in _valueWaiters) w.Tell(new Status.Failure(cause), Self);
        _valueWaiters = null;
    }

    private void OnSubscribe(Subscribe subscribe)
    {
        _consumers++;
        if (!subscribe.SendValue) return;
        var slot = subscribe.Slot;
        if (Value is not null) Sender.Tell(ForwardMessage(slot), Self);
        else if (Failure is not null) Sender.Tell(new ForwardFailed(slot, Failure), Self);
        else (_pendingConsumers ??= []).Add((Sender, slot));
    }

    /// <summary>The value to a consumer's slot, with the tangent when there is one.</summary>
    private object ForwardMessage(int slot) => Slot.Tangent is { } tangent ? new DualForward(slot, Value!, tangent) : new Forward(slot, Value!);

    private void OnUnsubscribe()
    {
        _consumers--;
        // A consumer that leaves before this value came must not get it: its actor may be another node by then.
        if (_pendingConsumers is not null)
        {
            var sender = Sender;
            var i = _pendingConsumers.FindIndex(p => p.Consumer.Equals(sender));
            if (i >= 0) _pendingConsumers.RemoveAt(i);
        }
        EndIfUnneeded();
    }

    private void OnValueRequest()
    {
        if (Value is not null) Sender.Tell(new ValueReply(Value), Self);
        else if (Failure is not null) Sender.Tell(new Status.Failure(Failure), Self);
        else (_valueWaiters ??= []).Add(Sender);
    }

    // ---- backward ----

    private void OnPreparePass(PreparePass p)
    {
        if (CanBackward() is { } reason)
        {
            Sender.Tell(new PassFailed(p.PassId, reason), Self);
            return;
        }
        var buffer = new PassBuffer(p.ExpectedGradients, Sender, p.RetainGraph);
        if (_morePasses is not null && _morePasses.ContainsKey(p.PassId)) _morePasses[p.PassId] = buffer;
        else if (_pass is null || _passId == p.PassId) (_passId, _pass) = (p.PassId, buffer);
        else (_morePasses ??= new())[p.PassId] = buffer;
    }

    private void OnGradient(Gradient g)
    {
        var gradient = Tensor.From(g.Value);
        if (FindPass(g.PassId) is not { } pass)
        {
            // Not prepared (an aborted pass, or a message from a test): nothing to add it to.
            gradient.Dispose();
            Host.Log.Warning("Gradient for unknown pass {0} dropped.", g.PassId);
            return;
        }
        pass.Add(gradient);
        if (!pass.IsComplete) return;
        RemovePass(g.PassId);
        OnPassComplete(g.PassId, pass.TakeSum(), pass);
        EndIfUnneeded();
    }

    private PassBuffer? FindPass(long passId) =>
        _pass is not null && _passId == passId ? _pass
        : _morePasses is not null && _morePasses.TryGetValue(passId, out var more) ? more
        : null;

    private PassBuffer? RemovePass(long passId)
    {
        if (_pass is not null && _passId == passId)
        {
            var removed = _pass;
            _pass = null;
            return removed;
        }
        return _morePasses is not null && _morePasses.Remove(passId, out var more) ? more : null;
    }

    private void DropPass(long passId)
    {
        if (RemovePass(passId) is { } pass) pass.Discard();
        EndIfUnneeded();
    }

    /// <summary>Adds (or, for write mode, sets) <paramref name="gradient"/> into the kept gradient; takes ownership.</summary>
    protected void AccumulateGrad(Tensor gradient, GradReq mode)
    {
        switch (mode)
        {
            case GradReq.Null:
                gradient.Dispose();
                break;
            case GradReq.Write:
                Grad?.Dispose();
                Grad = gradient.TakeWritable();
                break;
            default:
                // The kept gradient is written into later (accumulated, zeroed): a deferred or read-only one is computed into one of its own.
                if (Grad is null) Grad = gradient.TakeWritable();
                else
                {
                    TensorOps.AddInPlace(Grad, gradient);
                    gradient.Dispose();
                }
                break;
        }
    }

    // ---- lifetime ----

    protected void EndIfUnneeded()
    {
        if (_consumers > 0 || _pass is not null || _morePasses is { Count: > 0 }) return;
        if (_handleReleased || DoneWhenUnused) Host.End();
    }

    /// <summary>The node ends (its actor goes idle or stops): let go of what it holds.</summary>
    internal void OnEnd()
    {
        if (HasEnded) return;
        HasEnded = true;
        OnEnding();
        _pass?.Discard();
        if (_morePasses is not null)
            foreach (var pass in _morePasses.Values) pass.Discard();
        // The handle still reads the value (and a kept gradient) if it lives; otherwise the storage goes back to the pool.
        if (Slot.HandOverOnStop(Grad)) return;
        Grad?.Dispose();
        Value?.Dispose();
    }

    /// <summary>What a kind of node lets go of first when it ends.</summary>
    protected virtual void OnEnding() { }
}
