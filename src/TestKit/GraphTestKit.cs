using ActorGrad.Engine.Dispatch;
using ActorGrad.Engine.Tensors;
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

    /// <inheritdoc cref="GraphNodes.SpawnOpNode(ActorSystem, OpDefinition, GraphInput[])"/>
    public IActorRef SpawnOpNode(OpDefinition op, params GraphInput[] inputs) => Sys.SpawnOpNode(op, inputs);

    /// <inheritdoc cref="GraphNodes.SpawnOpNode(ActorSystem, OpDefinition, OpAttributes, GraphInput[])"/>
    public IActorRef SpawnOpNode(OpDefinition op, OpAttributes attributes, params GraphInput[] inputs) => Sys.SpawnOpNode(op, attributes, inputs);

    /// <inheritdoc cref="GraphNodes.SpawnLeaf(ActorSystem, Tensor, GradReq)"/>
    public IActorRef SpawnLeaf(Tensor value, GradReq mode = GradReq.Add) => Sys.SpawnLeaf(value, mode);
}
