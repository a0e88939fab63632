using System.Runtime.InteropServices;
using ActorGrad.Engine.Tensors;

namespace ActorGrad.Nodes.Graph;

/// <summary>
/// What a node shares with its user-side handle: its value once computed (published once, then
/// read without a message), whether a non-retained pass freed its saved tensors, and who owns the
/// value's storage. The node owns it while it lives; when it stops (ends: its actor goes back to
/// the pool, or stops) it either returns the storage to the tensor pool (the handle is gone) or
/// leaves the value to the handle (the handle still reads it).
/// </summary>
internal sealed class ValueSlot
{
    private const int NodeOwns = 0, HandleGone = 1, HandleOwns = 2;
    private Tensor? _value;
    private int _ownership;
    private volatile bool _freed;
    private volatile Exception? _failure;
    // The memory pressure added for the value handed over (0: none), removed when the handle lets go of it.
    private long _pressure;
    private const int PressureThreshold = 1 << 16;

    public Tensor? Value => Volatile.Read(ref _value);
    /// <summary>The forward-mode tangent, published before the value (null: none; the node is constant along the tangent).</summary>
    public Tensor? Tangent { get; private set; }
    /// <summary>The gradient the node kept (a retained one), left to the handle when the node ended first.</summary>
    public Tensor? Grad => Volatile.Read(ref _grad);
    private Tensor? _grad;
    /// <summary>Hands the kept gradient over (the slot keeps none, so releasing the handle does not dispose it).</summary>
    public Tensor? TakeGrad() => Interlocked.Exchange(ref _grad, null);
    public Exception? Failure => _failure;
    public bool Freed => _freed;
    public bool NodeStopped => Volatile.Read(ref _ownership) == HandleOwns;
    /// <summary>The node's actor while it lives (set when spawned, cleared when it stops).</summary>
    public Akka.Actor.IActorRef? Actor { get; set; }

    /// <summary>Tells this node (not whatever node its actor is by then) the message; false when it has ended.</summary>
    public bool TellNode(object message, Akka.Actor.IActorRef? sender = null)
    {
        if (Actor is not { } actor) return false;
        actor.Tell(new ToNode(this, message), sender ?? Akka.Actor.ActorRefs.NoSender);
        return true;
    }

    // The finalizable part of this node's handle, through a weak GC handle: the live actor holds this
    // slot, and a strong reference would keep alive the ticket whose finalizer lets the actor stop.
    // A raw handle, not a WeakReference (itself finalizable); freed when the node stops.
    private nint _ticket;

    /// <summary>Notes the handle's ticket, so that a node that stops first can spare it its finalizer.</summary>
    public void AttachTicket(HandleTicket ticket)
    {
        // A full fence before reading the flag (HandOverOnStop sets it and then exchanges the handle): one of the two frees it.
        Interlocked.Exchange(ref _ticket, GCHandle.ToIntPtr(GCHandle.Alloc(ticket, GCHandleType.Weak)));
        if (_actorStopped) FreeTicketHandle(); // stopped meanwhile: nobody else would free it
    }

    private HandleTicket? FreeTicketHandle()
    {
        var raw = Interlocked.Exchange(ref _ticket, 0);
        if (raw == 0) return null;
        var handle = GCHandle.FromIntPtr(raw);
        var ticket = handle.Target as HandleTicket;
        handle.Free();
        return ticket;
    }

    /// <summary>The link of the session's stack of slots whose handles were released.</summary>
    internal ValueSlot? NextReleased;

    /// <summary>True once the node actor has stopped, whoever owns the value (nothing more to tell it).</summary>
    public bool ActorStopped => _actorStopped;
    private volatile bool _actorStopped;

    /// <summary>Publishes the value, and before it (a reader that sees the value sees the tangent) its tangent if any.</summary>
    public void Publish(Tensor value, Tensor? tangent = null)
    {
        if (tangent is not null) Tangent = tangent;
        Volatile.Write(ref _value, value);
    }
    public void PublishFailure(Exception cause) => _failure = cause;
    public void MarkFreed() => _freed = true;

    /// <summary>The node is stopping: true when the handle still lives and keeps the value and <paramref name="grad"/>.</summary>
    public bool HandOverOnStop(Tensor? grad)
    {
        _actorStopped = true;
        Actor = null; // a stopped node is told nothing more, and its handle's ticket must not keep it reachable
        var ticket = FreeTicketHandle();
        // Large storage now waits for the handle's finalizer to come back to the pool: tell the GC,
        // so that it collects (and finalizes) soon enough for the pool to be refilled. Not when the
        // handle's owner releases it itself (a spec pass does at its end): the runtime counts every
        // byte of pressure added since its last full collection, removed or not, and runs a full
        // collection each few megabytes (every pass or two of a shard of the step benchmark's MLP).
        // Noted before ownership changes, so that a release racing with this hand-over removes it.
        var pressure = _pressure = Value is { Length: >= PressureThreshold } v && ticket is not { ReleasedByCreator: true } ? 4L * v.Length : 0;
        // The gradient first: the handle may read it as soon as ownership changes.
        Volatile.Write(ref _grad, grad);
        if (Interlocked.CompareExchange(ref _ownership, HandleOwns, NodeOwns) != NodeOwns)
        {
            _grad = null;
            _pressure = 0;
            return false;
        }
        // Storage below the pool's threshold is the GC's anyway: the handle's finalizer would have
        // nothing left to do, and skipping it lets the slot and value die young instead of being
        // promoted for one more collection.
        if (Value is not { Length: >= Tensor.PooledLength } && grad is not { Length: >= Tensor.PooledLength }) ticket?.NothingToRelease();
        if (pressure > 0) GC.AddMemoryPressure(pressure);
        return true;
    }

    /// <summary>
    /// The handle is gone: true when the node still lives and must be told. When the node had already
    /// stopped and left its value to the handle, the value's storage goes back to the pool here
    /// (no consumer holds it: those recorded after the node stopped got a copy).
    /// </summary>
    public bool ReleaseHandle()
    {
        if (Interlocked.CompareExchange(ref _ownership, HandleGone, NodeOwns) == NodeOwns) return true;
        if (Interlocked.CompareExchange(ref _ownership, HandleGone, HandleOwns) == HandleOwns && Value is { } value)
        {
            if (_pressure > 0) GC.RemoveMemoryPressure(_pressure);
            value.Dispose();
            Interlocked.Exchange(ref _grad, null)?.Dispose();
        }
        return false;
    }
}
