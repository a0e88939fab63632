using ActorGrad.Engine.Dispatch;
using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes.Graph;
using ActorGrad.Nodes.Ops;
using ActorGrad.Protocol.Nodes;
using Akka.Actor;

namespace ActorGrad.Nodes;

/// <summary>
/// The in-process mode: node actors (Akka actors on our calling-thread dispatcher) under one parent
/// of this session's, plus the recorder's state (grad mode, training flag, pass ids). Sessions share
/// one process-wide ActorSystem unless given one; disposing a session stops exactly its own nodes.
/// Ops on Vars of one session are recorded from one thread at a time, as in a PyTorch script.
/// </summary>
public sealed partial class Session : IDisposable, IAsyncDisposable
{
    private static int _sessions;
    // Nodes whose handles were collected, pushed by the finalizer thread and taken all at once by
    // the recording thread: an intrusive lock-free stack (no allocation, no lock to contend on).
    private ValueSlot? _released;
    private long _passIds;
    private bool _gradEnabled = true;
    private bool _training;
    private bool _recording;
    private int _disposed;
    private readonly NodePool _pool;

    public Session(SessionOptions? options = null)
    {
        Options = options ?? new SessionOptions();
        System = Options.System ?? SharedActorSystems.Get(Options.LogToConsole);
        var dispatcher = NodeDispatcher.Register(System);
        _pool = new NodePool(System, dispatcher, $"session-{Interlocked.Increment(ref _sessions)}", Options.Timeout);
        _random = new Random(Options.Seed);
    }

    public SessionOptions Options { get; }
    /// <summary>The Akka ActorSystem the node actors live in (shared by sessions unless one was given in the options).</summary>
    public ActorSystem System { get; }
    /// <summary>The parent of this session's node actors.</summary>
    public IActorRef Nodes => _pool.Supervisor;
    private readonly Random _random;
    /// <summary>The session's seeded random numbers; tracing refuses them (a spec would freeze the draws).</summary>
    public Random Random => Tracer is null ? _random : throw Tracing.TraceRecorder.RandomnessNotTraced();
    /// <summary>Set while a loss function is traced into a graph spec (Tracing/GraphTracer).</summary>
    internal Tracing.TraceRecorder? Tracer { get; set; }
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Whether ops on Vars that require gradients are recorded (off inside <see cref="NoGrad"/>).</summary>
    public bool IsGradEnabled => _gradEnabled;
    /// <summary>MXNet's autograd.is_training(): true inside Record() by default, false outside; dropout obeys it.</summary>
    public bool IsTraining => _training;
    /// <summary>True inside a <see cref="Record"/> scope.</summary>
    public bool IsRecording => _recording;
    /// <summary>
    /// Live nodes: recorded ops and leaves whose actor has not ended them yet. Counted by the session
    /// (Akka keeps no count of live actors); idle actors waiting in the pool do not count.
    /// </summary>
    public long LiveNodeCount => _pool.LiveNodes;

    public IDisposable NoGrad() => SetGrad(false);
    public IDisposable EnableGrad() => SetGrad(true);

    private IDisposable SetGrad(bool enabled)
    {
        var previous = _gradEnabled;
        _gradEnabled = enabled;
        return new FlagScope(() => _gradEnabled = previous);
    }

    /// <summary>MXNet's autograd.record(): records ops and, by default, switches to training mode.</summary>
    public IDisposable Record(bool trainMode = true)
    {
        var (grad, training, recording) = (_gradEnabled, _training, _recording);
        (_gradEnabled, _training, _recording) = (true, trainMode, true);
        return new FlagScope(() => (_gradEnabled, _training, _recording) = (grad, training, recording));
    }

    public IDisposable TrainMode() => SetTraining(true);
    public IDisposable PredictMode() => SetTraining(false);

    private IDisposable SetTraining(bool training)
    {
        var previous = _training;
        _training = training;
        return new FlagScope(() => _training = previous);
    }

    // ---- recording ----

    /// <summary>Records <paramref name="op"/> on <paramref name="inputs"/>: a node actor when a gradient may flow, else an eager constant.</summary>
    internal Var Apply(OpDefinition op, OpAttributes attributes, params ReadOnlySpan<Var> inputs)
    {
        if (Tracer is { IsCapturing: false } tracer) return tracer.Apply(this, op, attributes, inputs);
        ThrowIfDisposed();
        DrainReleased();
        // The shape rule only reads the outer array: one per arity is reused by the recording thread.
        var shapes = ShapesScratch(inputs.Length);
        var record = false;
        for (var i = 0; i < inputs.Length; i++)
        {
            var v = inputs[i] ?? throw new ArgumentNullException(nameof(inputs), $"{op.Name}: input {i} is null.");
            if (!ReferenceEquals(v.Session, this))
                throw new ArgumentException($"{op.Name}: input {i} belongs to another session; Vars of different sessions cannot be combined.");
            shapes[i] = v.Shape;
            record |= v.Node is not null;
        }
        int[] shape;
        try { shape = op.ShapeRule(shapes, attributes); }
        finally { Array.Clear(shapes); }
        if (!record || !_gradEnabled)
        {
            var values = new Tensor[inputs.Length];
            for (var i = 0; i < inputs.Length; i++) values[i] = inputs[i].ReadValue();
            return Var.Constant(this, op.Forward(values, attributes));
        }

        var nodeInputs = new NodeInput[inputs.Length];
        var edges = new GraphNode?[inputs.Length];
        WeakReference<GraphNode>?[]? cuts = null;
        for (var i = 0; i < inputs.Length; i++)
        {
            var v = inputs[i];
            if (v.Node is { } node)
            {
                edges[i] = node;
                // A node that already stopped (freed by a pass) gives a copy of its value (the handle's
                // storage is pooled again when the handle goes); the edge stays, so a backward
                // through it fails with the freed-graph error.
                // A value already published (the usual case on the calling-thread dispatcher) goes in
                // with the node, saving the Forward round trip.
                nodeInputs[i] = node.Slot.NodeStopped ? NodeInput.FromValue(node.Slot.Value!.Clone(), node.Slot.Tangent)
                    : node.Slot.Value is { } published ? NodeInput.FromPublished(node.Actor, published, node.Slot.Tangent)
                    : NodeInput.FromActor(node.Actor, differentiable: true);
            }
            else
            {
                nodeInputs[i] = NodeInput.FromValue(v.ShareConstant());
                if (v.DetachedFrom is { } cut) (cuts ??= new WeakReference<GraphNode>?[inputs.Length])[i] = cut;
            }
        }
        var slot = new ValueSlot();
        var actor = _pool.Take(new OpNode(op, attributes, nodeInputs, slot));
        if (!slot.ActorStopped) slot.Actor = actor;
        return new Var(this, shape, new GraphNode(actor, edges, isLeaf: false, slot, op.Name)
        {
            Shape = shape,
            Op = op,
            Attributes = attributes,
            NodeInputs = nodeInputs,
            Cuts = cuts,
        });
    }

    [ThreadStatic] private static int[][]?[]? _shapesScratch;

    private static int[][] ShapesScratch(int arity)
    {
        if (arity > 4) return new int[arity][];
        var cache = _shapesScratch ??= new int[][]?[5];
        return cache[arity] ??= new int[arity][];
    }

    /// <summary>A leaf actor holding <paramref name="value"/> (which it now owns), with a forward-mode tangent if given.</summary>
    internal GraphNode SpawnLeaf(Tensor value, GradReq mode, bool zeroGrad, Tensor? tangent = null)
    {
        ThrowIfDisposed();
        var slot = new ValueSlot();
        var actor = _pool.Take(new LeafNode(value, mode, zeroGrad, slot, tangent));
        slot.Actor = actor;
        return new GraphNode(actor, [], isLeaf: true, slot, "leaf") { LeafMode = mode, Shape = value.Shape };
    }

    /// <summary>
    /// Forward mode (PyTorch's fwAD.make_dual): a leaf with value <paramref name="primal"/> moving in
    /// direction <paramref name="tangent"/>. Ops on it carry tangents with their values; read them with
    /// <see cref="Var.Tangent"/>. Both tensors are copied.
    /// </summary>
    public Var MakeDual(Tensor primal, Tensor tangent)
    {
        ArgumentNullException.ThrowIfNull(primal);
        ArgumentNullException.ThrowIfNull(tangent);
        if (!tangent.ShapeEquals(primal.Shape))
            throw new ArgumentException($"MakeDual: the tangent's shape {Shapes.Format(tangent.Shape)} does not match the primal's {Shapes.Format(primal.Shape)}.");
        return new Var(this, primal.Shape, SpawnLeaf(primal.Clone(), GradReq.Add, zeroGrad: false, tangent.Clone()));
    }

    /// <summary>
    /// A leaf (accumulating, Grad starts null) over a read-only view of <paramref name="value"/> instead of a copy
    /// (<see cref="Tensor.Borrow"/>): the caller keeps owning the tensor and must not change it while the leaf lives.
    /// </summary>
    internal Var BorrowedLeaf(Tensor value) => new(this, value.Shape, SpawnLeaf(Engine.Tensors.Tensor.Borrow(value), GradReq.Add, zeroGrad: false));

    internal long NextPassId() => Interlocked.Increment(ref _passIds);

    // ---- lifetime ----

    /// <summary>Called when a Var is collected (its ticket's finalizer) or rebound: queue the node's release for the recording thread.</summary>
    internal void ReleaseHandle(ValueSlot slot)
    {
        if (IsDisposed || !slot.ReleaseHandle()) return;
        ValueSlot? head;
        do
        {
            head = Volatile.Read(ref _released);
            slot.NextReleased = head;
        } while (Interlocked.CompareExchange(ref _released, slot, head) != head);
    }

    /// <summary>Tells the nodes whose handles were collected that they may stop.</summary>
    internal void DrainReleased()
    {
        if (Volatile.Read(ref _released) is null) return;
        for (var slot = Interlocked.Exchange(ref _released, null); slot is not null;)
        {
            var next = slot.NextReleased;
            slot.NextReleased = null;
            // A node that stopped meanwhile (freed by a pass, no consumer left) needs no telling.
            slot.TellNode(Signals.HandleReleased);
            slot = next;
        }
    }

    /// <summary>
    /// Collects unreachable Vars now and ends their nodes, then stops idle node actors beyond a few
    /// thousand (long loops call this to bound memory at a point of their choosing).
    /// </summary>
    public void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        DrainReleased();
        _pool.Trim();
    }

    internal void ThrowIfDisposed()
    {
        if (IsDisposed) throw new ObjectDisposedException(nameof(Session), "This Var's session has been disposed; its node actors are stopped.");
    }

    public void Dispose() => Blocking.Wait(DisposeAsync().AsTask());

    /// <summary>A session collected without Dispose still stops its node actors: the shared system would keep them forever.</summary>
    ~Session()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _pool.Clear();
        System.Stop(_pool.Supervisor);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        GC.SuppressFinalize(this);
        _pool.Clear();
        // Stopping the parent stops every node actor of this session (and only those).
        try
        {
            await _pool.Supervisor.GracefulStop(Options.Timeout).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TaskCanceledException or AskTimeoutException)
        {
            // The system is shutting down (process exit), or a node is stuck in a kernel: the stop
            // was sent and goes on; Dispose does not throw for it.
        }
    }
}
