using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes.Ops;
using ActorGrad.Protocol.Nodes;

namespace ActorGrad.Nodes.Graph;

/// <summary>
/// The actor of one recorded op. Forward: waits for a value on every input slot, runs the op's
/// kernel, keeps what its VJP needs and sends its value on. Backward: when a pass's counted VJPs
/// have all arrived, applies the op's VJP rules and sends one gradient to each differentiable
/// input; a pass that does not retain the graph then frees what was kept.
/// </summary>
internal sealed class OpNode : NodeBehavior
{
    private readonly OpDefinition _op;
    private readonly OpAttributes _attributes;
    private readonly NodeInput[] _inputs;
    private Tensor[]? _inputValues;
    // Forward mode: the inputs' tangents, made only when one has a tangent (null: a constant input).
    private Tensor?[]? _inputTangents;
    private int _missing;
    private bool _freed;
    private bool _retainGrad;

    public OpNode(OpDefinition op, OpAttributes attributes, NodeInput[] inputs, ValueSlot slot) : base(slot)
    {
        _op = op;
        _attributes = attributes;
        _inputs = inputs;
    }

    protected override bool DoneWhenUnused => _freed;

    protected override void OnStart()
    {
        _inputValues = new Tensor[_inputs.Length];
        for (var i = 0; i < _inputs.Length; i++)
        {
            if (_inputs[i].KnownValue is { } known)
            {
                _inputValues[i] = known;
                if (_inputs[i].KnownTangent is { } tangent) SetInputTangent(i, tangent);
                // A published value: no Forward round trip, only the consumer registration.
                _inputs[i].Source?.Tell(Signals.Subscribe(i, sendValue: false), Self);
            }
            else
            {
                _missing++;
                _inputs[i].Source!.Tell(Signals.Subscribe(i, sendValue: true), Self);
            }
        }
        if (_missing == 0) Compute();
    }

    protected override void OnEnding()
    {
        foreach (var input in _inputs) input.Source?.Tell(Signals.Unsubscribe, Self);
    }

    protected override void OnNodeMessage(object message)
    {
        switch (message)
        {
            case Forward f:
                _inputValues![f.Slot] = Tensor.From(f.Value);
                if (--_missing == 0) Compute();
                break;
            case DualForward f:
                _inputValues![f.Slot] = f.Value;
                SetInputTangent(f.Slot, f.Tangent);
                if (--_missing == 0) Compute();
                break;
            case ForwardFailed f:
                if (Failure is null) SetFailure(f.Cause);
                break;
            case RetainGrad:
                _retainGrad = true;
                break;
            case SavedInputsRequest:
                OnSavedInputsRequest();
                break;
            default:
                base.OnNodeMessage(message);
                break;
        }
    }

    private void SetInputTangent(int slot, Tensor tangent) => (_inputTangents ??= new Tensor?[_inputs.Length])[slot] = tangent;

    private void Compute()
    {
        try
        {
            ComputeSavedInputs();
            var value = _op.Forward(_inputValues!, _attributes);
            if (value.IsDeferred && !KeepsValueDeferred) value.Materialize();
            // Nothing writes into a node's value (what it sends on is read by consumers, maybe later: deferred).
            value.MarkReadOnly();
            SetValue(value, _inputTangents is null ? null : ComputeTangent(value));
        }
        catch (Exception e)
        {
            SetFailure(e);
        }
    }

    /// <summary>
    /// An element-wise node whose own backward does not read its value leaves it deferred (if its kernel deferred it):
    /// it is computed when someone reads it (a consumer that needs it, a reader, a VJP rule), and a consumer that is
    /// element-wise too computes it in its own pass. Else it is computed now, as PyTorch saves it. Not in forward
    /// mode (the tangent rules read values at once).
    /// </summary>
    private bool KeepsValueDeferred
    {
        get
        {
            if (_inputTangents is not null) return false;
            for (var i = 0; i < _inputs.Length; i++)
                if (_inputs[i].Differentiable && _op.Gradient.ReadsResult(i)) return false;
            return true;
        }
    }

    /// <summary>
    /// The deferred inputs this node's VJP rules will read are computed now (as PyTorch saves them), unless one op
    /// over computed values gives them (-t, x*s): the backward then computes it again in the pass that reads it,
    /// which costs less than writing it now and reading it then. The others stay deferred, and a chain of
    /// element-wise nodes runs in one pass.
    /// </summary>
    private void ComputeSavedInputs()
    {
        for (var input = 0; input < _inputs.Length; input++)
        {
            if (_inputValues![input].DeferredCost <= 1) continue;
            for (var i = 0; i < _inputs.Length; i++)
            {
                if (!_inputs[i].Differentiable || !_op.Gradient.ReadsInput(input, i)) continue;
                _inputValues[input].Materialize();
                break;
            }
        }
    }

    /// <summary>Forward mode: the op's JVP rule on the inputs' tangents, broadcast to the value's shape.</summary>
    private Tensor ComputeTangent(Tensor value)
    {
        var algebra = TensorAlgebra.Rent();
        try
        {
            var tangent = _op.Tangent.Jvp(algebra, new JvpArgs<Tensor>(_inputValues!, _inputTangents!, value, _attributes));
            if (!tangent.ShapeEquals(value.Shape)) tangent = algebra.BroadcastTo(tangent, value.Shape);
            // The node keeps what it sends on: a rule's own temporary as it is, anything else (an input's tangent) as a copy.
            return algebra.Owns(tangent) ? algebra.Keep(tangent) : tangent.Clone();
        }
        finally
        {
            TensorAlgebra.Return(algebra);
        }
    }

    /// <summary>A create-graph pass asks for what the VJP rules need (read after the value: it is computed by then).</summary>
    private void OnSavedInputsRequest()
    {
        if (CanBackward() is { } reason) Sender.Tell(new Akka.Actor.Status.Failure(reason), Self);
        else if (Value is null) Sender.Tell(new Akka.Actor.Status.Failure(new InvalidOperationException($"{_op.Name}: saved inputs asked for before the value was computed.")), Self);
        else Sender.Tell(new SavedInputs(_op, _attributes, _inputValues!, Value), Self);
    }

    protected override Exception? CanBackward() => Failure ?? (_freed ? GraphFreedError() : null);

    internal static InvalidOperationException GraphFreedError() => new(
        "Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). " +
        "Saved intermediate values of the graph are freed when you call Backward(). Specify retainGraph: true if you need to backward " +
        "through the graph a second time or if you need to access saved tensors after calling Backward().");

    protected override void OnPassComplete(long passId, Tensor gradient, PassBuffer pass)
    {
        var handedOn = false;
        try
        {
            if (_retainGrad) AccumulateGrad(gradient.Clone(), GradReq.Add);
            // An element-wise node writes nothing into its gradient any more: its VJPs may read it later, deferred.
            if (_op.Elementwise && gradient.Length >= TensorOps.Deferred.DeferThreshold) gradient.MarkReadOnly();
            handedOn = SendInputGradients(passId, gradient);
        }
        catch (Exception e)
        {
            pass.Tracker.Tell(new PassFailed(passId, e), Self);
        }
        finally
        {
            // Unless an input now owns it, the summed gradient goes back to the pool.
            if (!handedOn) gradient.Dispose();
        }
        if (!pass.RetainGraph)
        {
            // What the VJP needed is not kept past a non-retained pass; the value stays for readers.
            _inputValues = null;
            _inputTangents = null;
            _freed = true;
            Slot.MarkFreed();
        }
    }

    /// <summary>Sends each differentiable input its VJP; true when one of them got <paramref name="gradient"/> itself (and now owns it).</summary>
    private bool SendInputGradients(long passId, Tensor gradient)
    {
        var algebra = TensorAlgebra.Rent();
        try
        {
            return SendInputGradients(passId, gradient, algebra);
        }
        finally
        {
            TensorAlgebra.Return(algebra);
        }
    }

    private bool SendInputGradients(long passId, Tensor gradient, TensorAlgebra algebra)
    {
        var args = new VjpArgs<Tensor>(gradient, _inputValues!, Value!, _attributes);
        var vjps = new Tensor?[_inputs.Length];
        var last = _inputs.Length - 1;
        while (last >= 0 && !_inputs[last].Differentiable) last--;
        var handedOn = -1; // the last input whose VJP is the gradient itself
        for (var i = 0; i < _inputs.Length; i++)
        {
            if (!_inputs[i].Differentiable) continue;
            // The last rule call, if it reads the gradient once, may write into it (this node owns it and reads it no
            // more), unless an earlier input's VJP is the gradient itself.
            if (i == last && handedOn < 0 && _op.Gradient.ReadsGradientOnce && !gradient.IsReadOnly) algebra.AllowOverwrite(gradient);
            var vjp = _op.Gradient.Vjp(algebra, i, args);
            var shape = _inputValues![i].Shape;
            // Broadcasting is undone here, once, for every op.
            vjps[i] = vjp.ShapeEquals(shape) ? vjp : algebra.SumTo(vjp, shape);
            if (ReferenceEquals(vjps[i], gradient)) handedOn = i;
        }
        // The receiver owns what it gets and may add into it or pool it: a rule's own temporary goes as it is;
        // the summed gradient itself (add's, sub's first input's VJP, or a VJP written into it) goes as it is to
        // the last input it is for, as a copy to the others; anything else (an input value) as a copy. Every copy
        // is made before the first send, so no receiver writes a tensor that is still being read here.
        for (var i = 0; i < vjps.Length; i++)
            if (vjps[i] is { } vjp) vjps[i] = i == handedOn ? gradient : algebra.Owns(vjp) ? algebra.Keep(vjp) : vjp.Clone();
        for (var i = 0; i < vjps.Length; i++)
            if (vjps[i] is { } owned) _inputs[i].Source!.Tell(new Gradient(passId, owned), Self);
        return handedOn >= 0;
    }
}
