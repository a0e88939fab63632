using ActorGrad.Engine.Dispatch;
using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes.Graph;
using ActorGrad.Nodes.Ops;
using ActorGrad.Protocol.Nodes;
using Akka.Actor;

namespace ActorGrad.TestKit;

/// <summary>
/// Single graph nodes in any ActorSystem (a plain Akka TestKit's Sys too), on ActorGrad's node
/// dispatcher, which this registers in the system first.
/// </summary>
public static class GraphNodes
{
    /// <summary>
    /// An op node on <paramref name="inputs"/> (probes, published values or constants), alone: no
    /// session, no pool. It subscribes to each input actor at once; it stops when it is no longer
    /// needed (freed by a pass and without consumers), so a probe can Watch it.
    /// </summary>
    public static IActorRef SpawnOpNode(this ActorSystem system, OpDefinition op, params GraphInput[] inputs) =>
        system.SpawnOpNode(op, OpAttributes.None, inputs);

    /// <summary>An op node with attributes (axes, shape) on <paramref name="inputs"/>.</summary>
    public static IActorRef SpawnOpNode(this ActorSystem system, OpDefinition op, OpAttributes attributes, params GraphInput[] inputs)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(op);
        ArgumentNullException.ThrowIfNull(attributes);
        ArgumentNullException.ThrowIfNull(inputs);
        if (op.Arity == OpTable.AnyArity ? inputs.Length == 0 : inputs.Length != op.Arity)
            throw new ArgumentException($"SpawnOpNode({op.Name}): the op takes {(op.Arity == OpTable.AnyArity ? "one or more" : op.Arity)} input(s), {inputs.Length} given.", nameof(inputs));
        var nodeInputs = Array.ConvertAll(inputs, i => i.Input);
        return system.ActorOf(NodeActor.PropsFor(new OpNode(op, attributes, nodeInputs, new ValueSlot()), NodeDispatcher.Register(system)));
    }

    /// <summary>A leaf holding <paramref name="value"/> that takes gradients by <paramref name="mode"/> and reports them to a pass's tracker.</summary>
    public static IActorRef SpawnLeaf(this ActorSystem system, Tensor value, GradReq mode = GradReq.Add)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(value);
        return system.ActorOf(NodeActor.PropsFor(new LeafNode(value, mode, zeroGrad: false, new ValueSlot()), NodeDispatcher.Register(system)));
    }
}
