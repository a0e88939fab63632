using ActorGrad.Engine.Tensors;
using ActorGrad.Protocol.Nodes;

namespace ActorGrad.Nodes.Graph;

/// <summary>
/// A leaf that requires a gradient (a parameter): it holds its value, serves it to consumers, and
/// takes each pass's gradient by its mode (add, write or ignore), then reports to the pass.
/// </summary>
internal sealed class LeafNode : NodeBehavior
{
    private readonly GradReq _mode;

    public LeafNode(Tensor value, GradReq mode, bool zeroGrad, ValueSlot slot, Tensor? tangent = null) : base(slot)
    {
        _mode = mode;
        _value = value;
        _tangent = tangent;
        // Readable at once, before the actor has taken the node.
        slot.Publish(value, tangent);
        _zeroGrad = zeroGrad;
    }

    private readonly Tensor _value;
    // Forward mode: the direction this leaf moves in (PyTorch's make_dual), sent on with its value.
    private readonly Tensor? _tangent;
    private readonly bool _zeroGrad;

    protected override void OnStart()
    {
        SetValue(_value, _tangent);
        // MXNet's attach_grad starts the gradient at zeros; PyTorch's starts it at None.
        if (_zeroGrad) Grad = Tensor.Zeros(_value.Shape);
    }

    protected override void OnNodeMessage(object message)
    {
        switch (message)
        {
            case SgdStep step:
                if (Grad is not null) TensorOps.AddScaledInPlace(Value!, Grad, -step.LearningRate);
                break;
            case RetainGrad:
                break; // a leaf keeps its gradient anyway
            default:
                base.OnNodeMessage(message);
                break;
        }
    }

    protected override void OnPassComplete(long passId, Tensor gradient, PassBuffer pass)
    {
        AccumulateGrad(gradient, _mode);
        pass.Tracker.Tell(new LeafReported(passId), Self);
    }
}
