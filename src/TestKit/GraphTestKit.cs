using ActorGrad.Engine.Dispatch;
using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes.Graph;
using ActorGrad.Nodes.Ops;
using ActorGrad.Protocol.Nodes;
using Akka.Actor;
using Akka.Configuration;
using Xunit.Abstractions;

namespace ActorGrad.TestKit;

/// <summary>
/// Akka.TestKit.Xunit2's TestKit, plus what is particular to graphs: spawning a node whose inputs
/// and consumers are probes, on ActorGrad's node dispatcher inside this TestKit's Sys. Probes,
/// ExpectMsg, ExpectNoMsg, Within and FishForMessage are Akka's; every timeout is dilated by
/// ACTORGRAD_TEST_TIME_FACTOR (Akka's akka.test.timefactor).
/// </summary>
public abstract class GraphTestKit : Akka.TestKit.Xunit2.TestKit
{
    protected GraphTestKit(Config? config = null, ITestOutputHelper? output = null)
        : base(GraphTestKitConfig.Create(config), output: output)
    {
    }

    /// <summary>The id of the node dispatcher in <c>Sys</c>.</summary>
    protected string NodeDispatcherId => NodeDispatcher.Register(Sys);

    /// <summary>
    /// An op node on <paramref name="inputs"/> (probes, published values or constants), alone: no
    /// session, no pool. It subscribes to each input actor at once; it stops when it is no longer
    /// needed (freed by a pass and without consumers), so a probe can Watch it.
    /// </summary>
    public IActorRef SpawnOpNode(OpDefinition op, params GraphInput[] inputs) => SpawnOpNode(op, OpAttributes.None, inputs);

    public IActorRef SpawnOpNode(OpDefinition op, OpAttributes attributes, params GraphInput[] inputs)
    {
        ArgumentNullException.ThrowIfNull(op);
        ArgumentNullException.ThrowIfNull(attributes);
        if (inputs.Length == 0) throw new ArgumentException($"SpawnOpNode({op.Name}): give at least one input.", nameof(inputs));
        var nodeInputs = Array.ConvertAll(inputs, i => i.Input);
        return Sys.ActorOf(NodeActor.PropsFor(new OpNode(op, attributes, nodeInputs, new ValueSlot()), NodeDispatcherId));
    }

    /// <summary>A leaf holding <paramref name="value"/> that takes gradients by <paramref name="mode"/>.</summary>
    public IActorRef SpawnLeaf(Tensor value, GradReq mode = GradReq.Add)
    {
        ArgumentNullException.ThrowIfNull(value);
        return Sys.ActorOf(NodeActor.PropsFor(new LeafNode(value, mode, zeroGrad: false, new ValueSlot()), NodeDispatcherId));
    }
}
