using Akka.Actor;
using ActorGrad.Nodes.Ops;

namespace ActorGrad.Nodes.Graph;

/// <summary>
/// The recorder's view of one node: its actor, its differentiable input edges and its shared slot.
/// The recorder walks these to count, per backward pass, the VJPs each node will receive; GraphView
/// walks them to draw the graph.
/// </summary>
internal sealed class GraphNode(IActorRef actor, GraphNode?[] inputs, bool isLeaf, ValueSlot slot, string opName)
{
    public IActorRef Actor { get; } = actor;
    /// <summary>Per input slot, the node a gradient flows back to; null where no edge is (constants, detached values).</summary>
    public GraphNode?[] Inputs { get; } = inputs;
    public bool IsLeaf { get; } = isLeaf;
    public ValueSlot Slot { get; } = slot;
    /// <summary>The recorded op's name ("leaf" for a leaf), for printing and errors.</summary>
    public string OpName { get; } = opName;

    /// <summary>The recorded op (null for a leaf) and its attributes: what GraphView needs to name and differentiate an edge.</summary>
    public OpDefinition? Op { get; init; }
    public OpAttributes Attributes { get; init; } = OpAttributes.None;
    /// <summary>The node's shape, from the op's shape rule (known at recording).</summary>
    public int[] Shape { get; init; } = [];
    /// <summary>Per input slot, the constant that fed it (null where a node did); null when no input was a constant.</summary>
    public RecordedConstant?[]? Constants { get; init; }
}

/// <summary>
/// A constant input of a recorded op, and the node it was detached from, if it came from Detach() (weakly held:
/// the drawing must not keep alive the graph that a detach cut off).
/// </summary>
internal readonly record struct RecordedConstant(Engine.Tensors.Tensor Value, WeakReference<GraphNode>? DetachedFrom);
