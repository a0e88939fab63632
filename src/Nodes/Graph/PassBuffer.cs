using Akka.Actor;
using ActorGrad.Engine.Tensors;

namespace ActorGrad.Nodes.Graph;

/// <summary>
/// A node's input buffer for one backward pass (PyTorch's InputBuffer): it sums the VJPs that
/// arrive until as many as the recorder counted have come.
/// </summary>
internal sealed class PassBuffer(int expected, IActorRef tracker, bool retainGraph)
{
    private int _received;

    public IActorRef Tracker { get; } = tracker;
    public bool RetainGraph { get; } = retainGraph;
    public Tensor? Sum { get; private set; }
    public bool IsComplete => _received >= expected;

    /// <summary>Adds a gradient the buffer now owns.</summary>
    public void Add(Tensor gradient)
    {
        _received++;
        if (Sum is null)
        {
            Sum = gradient;
            return;
        }
        // A read-only sum (a gradient some deferred VJP still reads, or deferred itself) is not written into: the
        // sum is a new, deferred where it can be, tensor.
        if (Sum.ShapeEquals(gradient.Shape) && !Sum.IsReadOnly) TensorOps.AddInPlace(Sum, gradient);
        else
        {
            var total = TensorOps.Deferred.Add(Sum, gradient);
            Sum.Dispose();
            Sum = total;
        }
        gradient.Dispose();
    }

    /// <summary>Hands the sum to the caller (who then owns it).</summary>
    public Tensor TakeSum() => Sum ?? throw new InvalidOperationException("A pass completed with no gradient buffered.");

    public void Discard()
    {
        Sum?.Dispose();
        Sum = null;
    }
}
