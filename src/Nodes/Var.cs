using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes.Graph;
using ActorGrad.Protocol.Nodes;

namespace ActorGrad.Nodes;

/// <summary>
/// A handle to a value in a session: a constant, a leaf actor, or the node actor of a recorded op.
/// Recording returns at once with the shape known; the value is read from the node when asked.
/// </summary>
public sealed partial class Var
{
    private Tensor? _constant;
    // Releases what this handle holds when the Var is collected; null for a small constant.
    private HandleTicket? _ticket;

    internal Var(Session session, int[] shape, GraphNode node)
    {
        Session = session;
        Shape = shape;
        Node = node;
        _ticket = new HandleTicket(session, node.Slot);
    }

    private Var(Session session, Tensor constant)
    {
        Session = session;
        Shape = constant.Shape;
        _constant = constant;
        // Only a large constant's storage is worth giving back to the pool when the handle goes. A borrowed view
        // (Tensor.Borrow) gives nothing back: no ticket, so no finalizer and no memory pressure, which would make the
        // GC run a full collection every few megabytes of borrowed data (a gen-2 collection every 3-4 cluster steps).
        if (constant.Length >= PooledConstantLength && !constant.IsBorrowed) _ticket = new HandleTicket(session, constant);
    }

    /// <summary>True when collecting this handle gives something back (a node's handle, a large constant to the pool).</summary>
    internal bool ReleasesWhenCollected => _ticket is not null;

    private const int PooledConstantLength = Tensor.PooledLength;

    internal static Var Constant(Session session, Tensor value) => new(session, value);

    // A second handle to a value someone else owns: no ticket, so collecting it releases nothing.
    private Var(Session session, int[] shape, GraphNode? node, Tensor? constant)
    {
        Session = session;
        Shape = shape;
        Node = node;
        _constant = constant;
    }

    /// <summary>
    /// A handle to <paramref name="node"/> that does not own it (a create-graph pass reads the graph
    /// through these): the node's own handle, or its consumers, keep it alive.
    /// </summary>
    internal static Var Borrow(Session session, GraphNode node, int[] shape) => new(session, shape, node, null);

    /// <summary>A constant handle to <paramref name="value"/>, which stays its owner's (a node's constant input).</summary>
    internal static Var Borrow(Session session, Tensor value) => new(session, value.Shape, null, value);

    /// <summary>The constant's value for a node that keeps it: from now on the handle does not pool it.</summary>
    internal Tensor ShareConstant()
    {
        _ticket?.MarkShared();
        return ReadValue();
    }

    public Session Session { get; }
    public int[] Shape { get; }
    public int Rank => Shape.Length;
    public int Length => Shapes.ElementCount(Shape);
    internal GraphNode? Node { get; private set; }
    /// <summary>For a value made by <see cref="Detach"/>: the node it was cut from (weakly), so GraphView can draw the cut.</summary>
    internal WeakReference<GraphNode>? DetachedFrom { get; private set; }

    /// <summary>PyTorch's requires_grad: true for leaves that take gradients and for recorded ops.</summary>
    public bool RequiresGradient => Node is not null;
    /// <summary>True for constants and leaves; false for the result of a recorded op.</summary>
    public bool IsLeaf => Node is null || Node.IsLeaf;

    // ---- leaves and gradients ----

    /// <summary>PyTorch's requires_grad_(): this leaf now takes gradients (accumulating, Grad starts null).</summary>
    public Var RequiresGrad(bool requiresGrad = true)
    {
        Session.ThrowIfDisposed();
        if (Node is { IsLeaf: false })
            throw new InvalidOperationException("You can only change the gradient flag of leaf variables; to use a computed value without its graph, call Detach().");
        if (requiresGrad && Node is null) BecomeLeaf(GradReq.Add, zeroGrad: false);
        else if (!requiresGrad && Node is not null)
        {
            var value = ReadValue().Clone();
            _ticket?.ReleaseNow(disposeConstant: false);
            _constant = value;
            Node = null;
            _ticket = value.Length >= PooledConstantLength ? new HandleTicket(Session, value) : null;
        }
        return this;
    }

    /// <summary>
    /// MXNet's attach_grad(): a leaf with a zeroed gradient taken by <paramref name="mode"/> (write by
    /// default). On a computed value it detaches it first: no gradient flows past it to its inputs.
    /// </summary>
    public Var AttachGrad(GradReq mode = GradReq.Write)
    {
        Session.ThrowIfDisposed();
        BecomeLeaf(mode, zeroGrad: true);
        return this;
    }

    private void BecomeLeaf(GradReq mode, bool zeroGrad)
    {
        var value = ReadValue().Clone();
        Node = Session.SpawnLeaf(value, mode, zeroGrad);
        DetachedFrom = null; // a leaf of its own now: nothing is cut at its consumers
        // The old constant may be held by nodes recorded from it: the GC takes it rather than the pool.
        _ticket?.ReleaseNow(disposeConstant: false);
        _constant = null;
        _ticket = new HandleTicket(Session, Node.Slot);
    }

    /// <summary>The gradient (a copy): null until a backward pass reaches this leaf, or for a non-leaf that did not RetainGrad().</summary>
    public Tensor? Grad => Node is null ? null
        // A retained non-leaf's gradient from a create-graph pass is kept only as a Var.
        : !Node.IsLeaf && Node.GradVar is { } recorded ? recorded.Value()
        : ReadGrad(Session, Node);

    /// <summary>
    /// The gradient as a recorded Var after <c>Backward(createGraph: true)</c> (PyTorch's x.grad with
    /// its grad_fn): differentiate it again. Null before such a pass, and after a plain pass or
    /// ZeroGrad (the gradient is then a plain value: <see cref="Grad"/>).
    /// </summary>
    public Var? GradVar => Node?.GradVar;

    /// <summary>A copy of the gradient the node keeps, or null.</summary>
    internal static Tensor? ReadGrad(Session session, GraphNode node)
    {
        // A node that ended while its handle lives left its kept gradient in the slot.
        var slot = node.Slot;
        if (slot.Actor is not { } actor) return slot.Grad?.Clone();
        var reply = ReplySlot.Ask<GradReply>(session.System, actor, new ToNode(slot, Signals.GradRequest), session.Options.Timeout);
        return reply.Grad is null ? null : Tensor.From(reply.Grad);
    }

    /// <summary>The gradient the node keeps, handed over instead of copied (the node keeps none): the caller owns and disposes it.</summary>
    internal Tensor? TakeGrad()
    {
        Session.ThrowIfDisposed();
        if (Node is not { } node) return null;
        var slot = node.Slot;
        if (slot.Actor is not { } actor) return slot.TakeGrad();
        var reply = ReplySlot.Ask<GradReply>(Session.System, actor, new ToNode(slot, Signals.TakeGrad), Session.Options.Timeout);
        return reply.Grad is null ? null : Tensor.From(reply.Grad);
    }

    /// <summary>Its creator will call <see cref="ReleaseNow"/> (a spec pass, at its end): no memory pressure for what the node leaves it meanwhile.</summary>
    internal Var ReleasedByCreator()
    {
        _ticket?.MarkReleasedByCreator();
        return this;
    }

    /// <summary>
    /// Lets go of what this handle holds now rather than when it is collected (the node ends, its value goes back to
    /// the pool); for a library caller whose handle goes out of use at a known point. The Var must not be used after.
    /// </summary>
    internal void ReleaseNow()
    {
        _ticket?.ReleaseNow(disposeConstant: true);
        _ticket = null;
    }

    /// <summary>PyTorch's x.grad.zero_().</summary>
    public void ZeroGrad()
    {
        Session.ThrowIfDisposed();
        if (Node is null) return;
        Node.GradVar = null;
        if (!Node.Slot.TellNode(Signals.ZeroGrad)) Node.Slot.Grad?.Span.Clear();
    }

    /// <summary>PyTorch's retain_grad(): this non-leaf keeps its gradient on later passes.</summary>
    public void RetainGrad()
    {
        Session.ThrowIfDisposed();
        if (Node is null) throw new InvalidOperationException("Can't RetainGrad() on a Var that does not require a gradient.");
        Node.RetainsGrad = true;
        Node.Slot.TellNode(Signals.RetainGrad);
    }

    /// <summary>One gradient-descent step on this leaf: value -= learningRate * grad.</summary>
    public void Step(float learningRate)
    {
        Session.ThrowIfDisposed();
        if (Node is not { IsLeaf: true }) throw new InvalidOperationException("Step() updates a leaf parameter; this Var is not one.");
        Node.Slot.TellNode(new SgdStep(learningRate));
    }

    /// <summary>The same value with no graph behind it: no gradient flows through the result.</summary>
    public Var Detach()
    {
        Session.ThrowIfDisposed();
        var detached = Constant(Session, ReadValue().Clone());
        if (Node is not null) detached.DetachedFrom = new WeakReference<GraphNode>(Node);
        return detached;
    }

    // ---- backward ----

    /// <summary>
    /// Backpropagates from this value: a scalar seeds 1; otherwise pass <paramref name="gradient"/>
    /// (a vector-Jacobian product), or <paramref name="implicitSum"/> for the gradient of the sum (MXNet, TF).
    /// With <paramref name="createGraph"/> (PyTorch's create_graph) the gradients are recorded Vars
    /// (<see cref="GradVar"/>) that can be differentiated again; such a pass frees nothing.
    /// </summary>
    public void Backward(Tensor? gradient = null, bool retainGraph = false, bool implicitSum = false, bool createGraph = false) =>
        Blocking.Wait(BackwardAsync(gradient, retainGraph, implicitSum, createGraph));

    /// <summary>Backpropagates with a head gradient held in another Var (MXNet's u.backward(v.grad)).</summary>
    public void Backward(Var gradient, bool retainGraph = false) => Backward(gradient.ReadValue(), retainGraph);

    public Task BackwardAsync(Tensor? gradient = null, bool retainGraph = false, bool implicitSum = false, bool createGraph = false) =>
        createGraph ? RecordedBackward.Backward(Session, this, gradient, implicitSum)
        : BackwardPass.Run(Session, this, gradient, retainGraph, implicitSum);

    // ---- values ----

    /// <summary>The value, without copying; callers inside the library must not dispose or keep it.</summary>
    internal Tensor ReadValue()
    {
        Session.ThrowIfDisposed();
        Session.Tracer?.OnValueRead(this);
        if (_constant is not null) return _constant;
        var slot = Node!.Slot;
        if (slot.Value is { } ready) return ready;
        if (slot.Failure is { } failure) throw new InvalidOperationException($"Computing this value ({Node.OpName}) failed: {failure.Message}", failure);
        var reply = ReplySlot.Ask<ValueReply>(Session.System, Node.Actor, new ToNode(slot, Signals.ValueRequest), Session.Options.Timeout);
        return Tensor.From(reply.Value);
    }

    /// <summary>A copy of the value, waiting for it if it is still being computed.</summary>
    public async Task<Tensor> ValueAsync()
    {
        Session.ThrowIfDisposed();
        Session.Tracer?.OnValueRead(this);
        if (_constant is not null) return _constant.Clone();
        if (Node!.Slot.Value is { } ready) return ready.Clone();
        var reply = await Akka.Actor.Futures.Ask<ValueReply>(Node.Actor, new ToNode(Node.Slot, Signals.ValueRequest), Session.Options.Timeout).ConfigureAwait(false);
        return Tensor.From(reply.Value).Clone();
    }

    /// <summary>
    /// Forward mode: the tangent of this value (a copy), the directional derivative along the tangents
    /// of the duals it was computed from (<see cref="Session.MakeDual"/>); null when none leads here.
    /// </summary>
    public Tensor? Tangent
    {
        get
        {
            if (Node is null) return null;
            ReadValue(); // the tangent is published with the value
            return Node.Slot.Tangent?.Clone();
        }
    }

    /// <summary>A copy of the value (the caller owns it).</summary>
    public Tensor Value() => ReadValue().Clone();

    public float[] ToArray() => ReadValue().ToArray();

    /// <summary>One element of the value (PyTorch's x[i, j].item()), without copying the rest.</summary>
    [System.Runtime.CompilerServices.IndexerName("At")] // Item() is the scalar read, as in PyTorch.
    public float this[params int[] index] => ReadValue()[index];

    /// <summary>The value of a one-element Var, e.g. for an <c>if</c> or a <c>while</c>.</summary>
    public float Item() => ReadValue().Item();

    public override string ToString()
    {
        var text = ReadValue().ToString();
        var suffix = Node is null ? "" : Node.IsLeaf ? ", requires_grad=True" : $", grad_fn=<{Node.OpName}>";
        return text[..^1] + suffix + ")";
    }
}
