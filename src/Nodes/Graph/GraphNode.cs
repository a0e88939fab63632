using Akka.Actor;
using ActorGrad.Protocol.Nodes;

namespace ActorGrad.Nodes.Graph;

/// <summary>
/// The recorder's view of one node: its actor, its differentiable input edges and its shared slot.
/// The recorder walks these to count, per backward pass, the VJPs each node will receive. What a
/// create-graph pass (<see cref="RecordedBackward"/>) needs beyond the edges (the op, its attributes,
/// its saved inputs) it asks the node for: the recorder keeps nothing more per node than it did.
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
}
