using ActorGrad.Engine.Tensors;

namespace ActorGrad.Nodes.Graph;

/// <summary>
/// The finalizable part of a Var. When the Var is collected, this small object's finalizer releases
/// what the handle held: it tells the session that a node lost its handle, or gives a large
/// constant's storage back to the pool. It references only the value slot (or the constant), never
/// the Var or its graph: a finalizable object keeps everything it references alive through one more
/// collection, and promoting every dead graph to an older generation is what made GCs slow.
/// </summary>
internal sealed class HandleTicket
{
    private const int PressureLength = 1 << 16;
    private readonly Session _session;
    private readonly ValueSlot? _slot;
    private readonly Tensor? _constant;
    private readonly long _pressure;
    private volatile bool _constantShared;
    private int _released;

    public HandleTicket(Session session, ValueSlot slot)
    {
        _session = session;
        _slot = slot;
        slot.AttachTicket(this);
    }

    public HandleTicket(Session session, Tensor constant)
    {
        _session = session;
        _constant = constant;
        // A very large constant also tells the GC, so its handle is collected before fresh memory piles up.
        if (constant.Length >= PressureLength) GC.AddMemoryPressure(_pressure = 4L * constant.Length);
    }

    ~HandleTicket() => Release(disposeConstant: true);

    /// <summary>The handle's creator releases it explicitly (<see cref="ReleaseNow"/>) soon: the GC need not hurry for what it holds.</summary>
    public bool ReleasedByCreator { get; private set; }

    public void MarkReleasedByCreator() => ReleasedByCreator = true;

    /// <summary>A node keeps the constant's tensor: it must not go back to the pool with the handle.</summary>
    public void MarkShared() => _constantShared = true;

    /// <summary>The node stopped and left nothing that needs giving back: no finalizer run when the handle goes.</summary>
    public void NothingToRelease() => GC.SuppressFinalize(this);

    /// <summary>The handle lets go of what it held now (it is rebound), instead of when collected.</summary>
    public void ReleaseNow(bool disposeConstant)
    {
        Release(disposeConstant);
        GC.SuppressFinalize(this);
    }

    private void Release(bool disposeConstant)
    {
        if (Interlocked.Exchange(ref _released, 1) != 0) return;
        if (_slot is not null) _session.ReleaseHandle(_slot);
        if (_pressure > 0) GC.RemoveMemoryPressure(_pressure);
        if (disposeConstant && !_constantShared) _constant?.Dispose();
    }
}
