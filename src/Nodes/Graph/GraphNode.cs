using Akka.Actor;

namespace ActorGrad.Nodes.Graph;

/// <summary>
/// The recorder's view of one node: its actor, its differentiable input edges and its shared slot.
/// The recorder walks these to count, per backward pass, the VJPs each node will receive.
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
}
