using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes.Graph;
using ActorGrad.Nodes.Ops;
using ActorGrad.Protocol.Nodes;
using ActorGrad.TestKit;
using Akka.Actor;
using Akka.TestKit;

namespace ActorGrad.Nodes.Tests;

/// <summary>
/// The messages of small graphs, observed with probes standing in for inputs, consumers and the
/// pass tracker: what the engine's correctness rests on, checked one message at a time.
/// </summary>
public sealed class MessageFlowTests : GraphTestKit
{
    private IActorRef Node(OpDefinition op, params GraphInput[] inputs) => SpawnOpNode(op, inputs);

    /// <summary>How long "no more messages" listens (Akka dilates it by the time factor; its own default is 3 s).</summary>
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(100);

    private static Tensor T(params float[] values) => Tensor.FromArray(values);

    /// <summary>Answers the node's Subscribe for <paramref name="slot"/> with <paramref name="value"/>.</summary>
    private static Task Feed(TestProbe input, int slot, Tensor value) => input.FeedAsync(slot, value);

    [Fact]
    public async Task ForwardSubscribesToEachInputAndSendsItsValueToConsumers()
    {
        var a = CreateTestProbe();
        var b = CreateTestProbe();
        var node = Node(OpTable.Mul, GraphInput.From(a.Ref, true), GraphInput.From(b.Ref, true));
        await Feed(a, 0, T(1, 2, 3));
        await Feed(b, 1, T(4, 5, 6));

        var consumer = CreateTestProbe();
        consumer.Send(node, new Subscribe(3));
        var forward = await consumer.ExpectMsgAsync<Forward>();
        Assert.Equal(3, forward.Slot);
        Assert.Equal([4f, 10f, 18f], Tensor.From(forward.Value).ToArray());
        await a.ExpectNoMsgAsync(Quiet);
    }

    [Fact]
    public async Task AnInputPublishedAtRecordingIsOnlyRegisteredWithNoForwardRoundTrip()
    {
        var a = CreateTestProbe();
        var b = CreateTestProbe();
        var node = Node(OpTable.Mul, GraphInput.Published(a.Ref, T(1, 2)), GraphInput.From(b.Ref, true));
        // The published input gets a registration that asks for no value; the other one a plain Subscribe.
        await a.ExpectMsgAsync(new Subscribe(0, SendValue: false));
        await Feed(b, 1, T(3, 4));
        var reader = CreateTestProbe();
        reader.Send(node, new ValueRequest());
        Assert.Equal(new float[] { 3f, 8f }, Tensor.From((await reader.ExpectMsgAsync<ValueReply>()).Value).ToArray());

        // The registration counts as a consumer edge: gradients flow back to it, then it is released.
        var tracker = CreateTestProbe();
        tracker.Send(node, new PreparePass(4, 1, false));
        tracker.Send(node, new Gradient(4, T(1, 1)));
        Assert.Equal(new float[] { 3f, 4f }, Tensor.From((await a.ExpectMsgAsync<Gradient>(g => g.PassId == 4)).Value).ToArray());
        Assert.Equal(new float[] { 1f, 2f }, Tensor.From((await b.ExpectMsgAsync<Gradient>(g => g.PassId == 4)).Value).ToArray());
        await a.ExpectMsgAsync<Unsubscribe>();
        await a.ExpectNoMsgAsync(Quiet);
    }

    [Fact]
    public async Task AConsumerRegisteredWithoutValueGetsNoForward()
    {
        var a = CreateTestProbe();
        var node = Node(OpTable.Neg, GraphInput.From(a.Ref, true));
        await Feed(a, 0, T(5));
        var consumer = CreateTestProbe();
        consumer.Send(node, new Subscribe(0, SendValue: false));
        await consumer.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(50));
        // ...but it keeps the node alive: a freed node with that consumer does not stop until it leaves.
        consumer.Watch(node);
        var tracker = CreateTestProbe();
        tracker.Send(node, new PreparePass(1, 1, false));
        tracker.Send(node, new Gradient(1, T(1)));
        await a.ExpectMsgAsync<Gradient>();
        await consumer.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(50));
        consumer.Send(node, new Unsubscribe());
        await consumer.ExpectTerminatedAsync(node);
    }

    [Fact]
    public async Task ConsumerThatSubscribesBeforeTheValueGetsItWhenComputed()
    {
        var a = CreateTestProbe();
        var node = Node(OpTable.Exp, GraphInput.From(a.Ref, true));
        var consumer = CreateTestProbe();
        consumer.Send(node, new Subscribe(0));
        await consumer.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(50));
        await Feed(a, 0, T(0));
        Assert.Equal(new float[] { 1f }, Tensor.From((await consumer.ExpectMsgAsync<Forward>()).Value).ToArray());
    }

    [Fact]
    public async Task BackwardSendsExactlyOneVjpPerCountedEdge()
    {
        var x = CreateTestProbe();
        // x * x: the same input on two slots, so two edges back to x.
        var node = Node(OpTable.Mul, GraphInput.From(x.Ref, true), GraphInput.From(x.Ref, true));
        await Feed(x, 0, T(1, 2, 3));
        await Feed(x, 1, T(1, 2, 3));

        var tracker = CreateTestProbe();
        tracker.Send(node, new PreparePass(7, 1, false));
        tracker.Send(node, new Gradient(7, T(1, 1, 1)));
        var first = await x.ExpectMsgAsync<Gradient>(g => g.PassId == 7);
        var second = await x.ExpectMsgAsync<Gradient>(g => g.PassId == 7);
        Assert.Equal([1f, 2f, 3f], Tensor.From(first.Value).ToArray());
        Assert.Equal([1f, 2f, 3f], Tensor.From(second.Value).ToArray());
        // Freed and unused, the node stops: one Unsubscribe per subscribed slot, and nothing else.
        await x.ExpectMsgAsync<Unsubscribe>();
        await x.ExpectMsgAsync<Unsubscribe>();
        await x.ExpectNoMsgAsync(Quiet);
        await tracker.ExpectNoMsgAsync(Quiet); // an op node does not report; only leaves do
    }

    [Fact]
    public async Task NoBackwardMessageGoesThroughANonDifferentiableEdge()
    {
        var x = CreateTestProbe();
        var detached = CreateTestProbe();
        var node = Node(OpTable.Mul, GraphInput.From(detached.Ref, differentiable: false), GraphInput.From(x.Ref, true));
        await Feed(detached, 0, T(2, 2));
        await Feed(x, 1, T(3, 4));
        var tracker = CreateTestProbe();
        tracker.Send(node, new PreparePass(1, 1, false));
        tracker.Send(node, new Gradient(1, T(1, 1)));
        Assert.Equal(new float[] { 2f, 2f }, Tensor.From((await x.ExpectMsgAsync<Gradient>()).Value).ToArray());
        // The only message the detached input gets after its Forward is the Unsubscribe of a stopping node.
        await detached.ExpectMsgAsync<Unsubscribe>();
        await detached.ExpectNoMsgAsync(Quiet);
    }

    [Fact]
    public void DetachedValueReceivesNoGradientThroughTheRealRecorder()
    {
        using var s = new Session();
        var x = s.Arange(4).RequiresGrad();
        var y = x * x;
        y.RetainGrad();
        var z = y.Detach() * x;
        z.Sum().Backward();
        Assert.Null(y.Grad); // no VJP reached y: the detached copy has no edge back to it
        Assert.Equal([0f, 1f, 4f, 9f], x.Grad!.ToArray());
    }

    [Fact]
    public async Task TwoPassesOverARetainedGraphAtOnceDoNotMix()
    {
        var x = CreateTestProbe();
        var c = CreateTestProbe();
        var node = Node(OpTable.Mul, GraphInput.From(x.Ref, true), GraphInput.From(c.Ref, differentiable: false));
        await Feed(x, 0, T(1, 2));
        await Feed(c, 1, T(10, 100));
        var tracker = CreateTestProbe();
        tracker.Send(node, new PreparePass(1, 2, true)); // pass 1 waits for two VJPs
        tracker.Send(node, new PreparePass(2, 1, true));
        tracker.Send(node, new Gradient(1, T(1, 1)));
        await x.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(50));
        tracker.Send(node, new Gradient(2, T(3, 3)));
        var second = await x.ExpectMsgAsync<Gradient>();
        Assert.Equal(2, second.PassId);
        Assert.Equal([30f, 300f], Tensor.From(second.Value).ToArray());
        tracker.Send(node, new Gradient(1, T(1, 1)));
        var first = await x.ExpectMsgAsync<Gradient>();
        Assert.Equal(1, first.PassId);
        Assert.Equal([20f, 200f], Tensor.From(first.Value).ToArray()); // (1+1) * c
    }

    [Fact]
    public async Task AddHandsItsGradientOnToTheLastInputAndCopiesItForTheOther()
    {
        var a = CreateTestProbe();
        var b = CreateTestProbe();
        var node = Node(OpTable.Add, GraphInput.From(a.Ref, true), GraphInput.From(b.Ref, true));
        await Feed(a, 0, T(1, 2));
        await Feed(b, 1, T(3, 4));
        var tracker = CreateTestProbe();
        tracker.PreparePass(node, 1, 1);
        var gradient = T(5, 6);
        tracker.SendGradient(node, 1, gradient);
        var toA = await a.ExpectGradientAsync(1);
        var toB = await b.ExpectGradientAsync(1);
        // No copy for the last receiver; the other gets its own, so neither's writes reach the other.
        Assert.Same(gradient, toB);
        Assert.NotSame(gradient, toA);
        toB.Span[0] = 100f;
        Assert.Equal([5f, 6f], toA.ToArray());
        Assert.False(gradient.IsDisposed); // handed on, not pooled behind the receiver's back
    }

    [Fact]
    public async Task AGradientHandedOnIsNotPooledWhileItsReceiverHoldsIt()
    {
        var a = CreateTestProbe();
        var c = CreateTestProbe();
        var node = Node(OpTable.Add, GraphInput.From(a.Ref, true), GraphInput.From(c.Ref, differentiable: false));
        await Feed(a, 0, T(1, 2));
        await Feed(c, 1, T(3, 4));
        var tracker = CreateTestProbe();
        tracker.PreparePass(node, 1, 1);
        var gradient = T(5, 6);
        tracker.SendGradient(node, 1, gradient);
        Assert.Same(gradient, await a.ExpectGradientAsync(1));
        Assert.Equal([5f, 6f], gradient.ToArray());
        // A div's VJPs are its own temporaries (its rule reads the gradient twice): the summed gradient they were
        // made from goes back to the pool.
        var x = CreateTestProbe();
        var k = CreateTestProbe();
        var m = Node(OpTable.Div, GraphInput.From(x.Ref, true), GraphInput.From(k.Ref, true));
        await Feed(x, 0, T(1, 2));
        await Feed(k, 1, T(4, 8));
        tracker.PreparePass(m, 2, 1);
        var second = T(8, 16);
        tracker.SendGradient(m, 2, second);
        var toX = await x.ExpectGradientAsync(2);
        var toK = await k.ExpectGradientAsync(2);
        Assert.Equal([2f, 2f], toX.ToArray()); // g / b
        Assert.Equal([-0.5f, -0.5f], toK.ToArray()); // -g * (a/b) / b
        await AwaitConditionAsync(() => Task.FromResult(second.IsDisposed));
    }

    [Fact]
    public async Task AMulToOneInputWritesItsVjpIntoTheGradientItOwns()
    {
        var x = CreateTestProbe();
        var c = CreateTestProbe();
        var node = Node(OpTable.Mul, GraphInput.From(x.Ref, true), GraphInput.From(c.Ref, differentiable: false));
        await Feed(x, 0, T(1, 2));
        await Feed(c, 1, T(3, 4));
        var tracker = CreateTestProbe();
        tracker.PreparePass(node, 1, 1, retainGraph: true);
        var gradient = T(5, 6);
        tracker.SendGradient(node, 1, gradient);
        var vjp = await x.ExpectGradientAsync(1);
        Assert.Same(gradient, vjp); // g*c written into g's storage: no fresh array
        Assert.Equal([15f, 24f], vjp.ToArray());
        // The inputs it keeps for the next pass are untouched.
        tracker.PreparePass(node, 2, 1);
        tracker.SendGradient(node, 2, T(1, 1));
        var again = await x.ExpectGradientAsync(2);
        Assert.Equal([3f, 4f], again.ToArray());
    }

    [Fact]
    public async Task AMulToTwoInputsWritesTheLastOnesVjpIntoTheGradient()
    {
        var a = CreateTestProbe();
        var b = CreateTestProbe();
        var node = Node(OpTable.Mul, GraphInput.From(a.Ref, true), GraphInput.From(b.Ref, true));
        await Feed(a, 0, T(1, 2));
        await Feed(b, 1, T(3, 4));
        var tracker = CreateTestProbe();
        tracker.PreparePass(node, 1, 1);
        var gradient = T(5, 6);
        tracker.SendGradient(node, 1, gradient);
        var toA = await a.ExpectGradientAsync(1);
        var toB = await b.ExpectGradientAsync(1);
        Assert.NotSame(gradient, toA);
        Assert.Same(gradient, toB);
        Assert.Equal([15f, 24f], toA.ToArray()); // g*b, computed before g was overwritten
        Assert.Equal([5f, 12f], toB.ToArray()); // g*a, written into g
    }

    [Fact]
    public async Task LeafSumsItsCountedGradientsThenReportsOnce()
    {
        var leaf = SpawnLeaf(T(1, 2), GradReq.Add);
        var tracker = CreateTestProbe();
        tracker.Send(leaf, new PreparePass(5, 2, false));
        tracker.Send(leaf, new Gradient(5, T(1, 1)));
        await tracker.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(50));
        tracker.Send(leaf, new Gradient(5, T(2, 3)));
        await tracker.ExpectMsgAsync(new LeafReported(5));
        await tracker.ExpectNoMsgAsync(Quiet);
        tracker.Send(leaf, new GradRequest());
        var grad = await tracker.ExpectMsgAsync<GradReply>();
        Assert.Equal([3f, 4f], Tensor.From(grad.Grad!).ToArray());
    }

    private sealed class FailingRule : IVjpRule
    {
        public TV Vjp<TV>(IAlgebra<TV> m, int input, in VjpArgs<TV> a) => throw new InvalidOperationException("vjp exploded");
    }

    [Fact]
    public async Task AFailingVjpReportsPassFailedToTheTracker()
    {
        var x = CreateTestProbe();
        var op = OpTable.Exp with { Name = "exploding", Gradient = new FailingRule() };
        var node = Node(op, GraphInput.From(x.Ref, true));
        await Feed(x, 0, T(1));
        var tracker = CreateTestProbe();
        tracker.Send(node, new PreparePass(9, 1, false));
        tracker.Send(node, new Gradient(9, T(1)));
        var failed = await tracker.ExpectMsgAsync<PassFailed>();
        Assert.Equal(9, failed.PassId);
        Assert.Equal("vjp exploded", failed.Cause.Message);
        await x.ExpectMsgAsync<Unsubscribe>(); // no Gradient before it
        await x.ExpectNoMsgAsync(Quiet);
    }

    [Fact]
    public async Task AFreedNodeRefusesASecondPass()
    {
        var x = CreateTestProbe();
        var node = Node(OpTable.Neg, GraphInput.From(x.Ref, true));
        await Feed(x, 0, T(1));
        var consumer = CreateTestProbe();
        consumer.Send(node, new Subscribe(0)); // keeps the freed node alive
        await consumer.ExpectMsgAsync<Forward>();
        var tracker = CreateTestProbe();
        tracker.Send(node, new PreparePass(1, 1, false));
        tracker.Send(node, new Gradient(1, T(1)));
        await x.ExpectMsgAsync<Gradient>();
        tracker.Send(node, new PreparePass(2, 1, false));
        var failed = await tracker.ExpectMsgAsync<PassFailed>();
        Assert.Contains("second time", failed.Cause.Message);
    }

    [Fact]
    public async Task AFreedNodeStopsWhenItsLastConsumerLeavesAndUnsubscribesFromItsInputs()
    {
        var x = CreateTestProbe();
        var node = Node(OpTable.Neg, GraphInput.From(x.Ref, true));
        await Feed(x, 0, T(1));
        var consumer = CreateTestProbe();
        consumer.Send(node, new Subscribe(0));
        await consumer.ExpectMsgAsync<Forward>();
        consumer.Watch(node);
        var tracker = CreateTestProbe();
        tracker.Send(node, new PreparePass(1, 1, false));
        tracker.Send(node, new Gradient(1, T(1)));
        await x.ExpectMsgAsync<Gradient>();
        await consumer.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(50)); // still needed by the consumer
        consumer.Send(node, new Unsubscribe());
        await consumer.ExpectTerminatedAsync(node);
        await x.ExpectMsgAsync<Unsubscribe>();
    }
}
