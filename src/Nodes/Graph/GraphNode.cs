using Akka.Actor;
using ActorGrad.Protocol.Nodes;
using ActorGrad.Nodes.Ops;

namespace ActorGrad.Nodes.Graph;

/// <summary>
/// The recorder's view of one node: its actor, its differentiable input edges and its shared slot.
/// The recorder walks these to count, per backward pass, the VJPs each node will receive; GraphView
/// walks them to draw the graph (op, attributes, shape, constant inputs, detach cuts: references the
/// node already holds, no copies). A create-graph pass (<see cref="RecordedBackward"/>) asks the node
/// for its saved input values instead, which a freed graph no longer has.
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

    /// <summary>How a leaf takes gradients.</summary>
    public GradReq LeafMode { get; init; }

    /// <summary>
    /// The gradient as a recorded Var (PyTorch's .grad with a grad_fn), set by create-graph passes on
    /// leaves and on nodes that retain their gradient; a plain pass or ZeroGrad clears it.
    /// </summary>
    public Var? GradVar { get; set; }
    /// <summary>Set by RetainGrad: a create-graph pass keeps this non-leaf's gradient as a Var too.</summary>
    public bool RetainsGrad { get; set; }
    /// <summary>The value's shape.</summary>
    public required int[] Shape { get; init; }
    /// <summary>The recorded op (null for a leaf).</summary>
    public OpDefinition? Op { get; init; }
    public OpAttributes Attributes { get; init; } = OpAttributes.None;
    /// <summary>Per input slot, the value given when the op was recorded where no edge is (a constant).</summary>
    public NodeInput[] NodeInputs { get; init; } = [];
    /// <summary>
    /// Per input slot, the node a Detach() cut this input from (weakly: a drawing must not keep alive the graph a
    /// detach cut off); null when no input came from a Detach().
    /// </summary>
    public WeakReference<GraphNode>?[]? Cuts { get; init; }
}
