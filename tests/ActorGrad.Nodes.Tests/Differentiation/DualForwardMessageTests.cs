using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes.Graph;
using ActorGrad.Nodes.Ops;
using ActorGrad.Protocol.Nodes;
using ActorGrad.TestKit;

namespace ActorGrad.Nodes.Tests.Differentiation;

/// <summary>Forward mode one message at a time: a tangent arrives with a value, and leaves with the node's value.</summary>
public sealed class DualForwardMessageTests : GraphTestKit
{
    private static Tensor T(params float[] values) => Tensor.FromArray(values);

    [Fact]
    public async Task ANodeAppliesItsJvpRuleAndSendsItsTangentWithItsValue()
    {
        var a = CreateTestProbe();
        var b = CreateTestProbe();
        var node = SpawnOpNode(OpTable.Mul, a.AsInput(), b.AsInput());
        await a.ExpectMsgAsync(new Subscribe(0));
        a.Reply(new DualForward(0, T(1, 2), T(1, 0.5f)));
        await b.ExpectMsgAsync(new Subscribe(1));
        b.Reply(new Forward(1, T(3, 4))); // constant along the tangent

        var consumer = CreateTestProbe();
        consumer.SubscribeTo(node, 2);
        var dual = await consumer.ExpectMsgAsync<DualForward>();
        Assert.Equal(2, dual.Slot);
        Assert.Equal([3f, 8f], dual.Value.ToArray());
        Assert.Equal([3f, 2f], dual.Tangent.ToArray()); // d(a*b) = da*b
    }

    [Fact]
    public async Task TheTangentIsBroadcastToTheValuesShape()
    {
        var a = CreateTestProbe();
        var node = SpawnOpNode(OpTable.Add, a.AsInput(), GraphInput.Constant(T(1, 2, 3)));
        await a.ExpectMsgAsync(new Subscribe(0));
        a.Reply(new DualForward(0, Tensor.Scalar(10), Tensor.Scalar(1)));
        var consumer = CreateTestProbe();
        consumer.SubscribeTo(node, 0);
        var dual = await consumer.ExpectMsgAsync<DualForward>();
        Assert.Equal([1f, 1f, 1f], dual.Tangent.ToArray());
    }
}
