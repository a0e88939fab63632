using ActorGrad.Engine.Dispatch;
using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes;
using ActorGrad.Nodes.Ops;
using ActorGrad.Protocol.Nodes;
using Akka.Actor;
using Akka.TestKit;

namespace ActorGrad.TestKit.Tests;

/// <summary>The graph helpers, used the way a user's test of their own graph uses them.</summary>
public sealed class GraphHelperTests : GraphTestKit
{
    private static Tensor T(params float[] values) => Tensor.FromArray(values);

    [Fact]
    public async Task AnOpNodeOnProbesSubscribesToEachAndForwardsItsValueToASubscribedProbe()
    {
        var a = CreateTestProbe();
        var b = CreateTestProbe();
        var node = SpawnOpNode(OpTable.Add, a.AsInput(), b.AsInput());
        await a.FeedAsync(0, T(1, 2));
        await b.FeedAsync(1, T(10, 20));
        var consumer = CreateTestProbe();
        consumer.SubscribeTo(node, slot: 2);
        Assert.Equal(new float[] { 11f, 22f }, (await consumer.ExpectForwardAsync(2)).ToArray());
        Assert.Equal(new float[] { 11f, 22f }, (await CreateTestProbe().ReadValueAsync(node)).ToArray());
    }

    [Fact]
    public async Task ExpectGradientReturnsTheVjpOfThePassAsked()
    {
        var x = CreateTestProbe();
        var node = SpawnOpNode(OpTable.Mul, x.AsInput(), GraphInput.Constant(T(3, 4)));
        await x.FeedAsync(0, T(1, 1));
        var tracker = CreateTestProbe();
        tracker.PreparePass(node, passId: 12, expectedGradients: 1);
        tracker.SendGradient(node, 12, T(1, 10));
        Assert.Equal(new float[] { 3f, 40f }, (await x.ExpectGradientAsync(12)).ToArray());
        // Freed by the pass and without consumers, the node stops: its last word to an input.
        await x.ExpectMsgAsync<Unsubscribe>();
    }

    [Fact]
    public async Task AWrongSlotOrPassFailsSayingWhatWasExpected()
    {
        var consumer = CreateTestProbe();
        consumer.Ref.Tell(new Forward(1, T(0)));
        var slot = await Assert.ThrowsAnyAsync<Exception>(() => consumer.ExpectForwardAsync(0));
        Assert.Contains("slot 0 but got one for slot 1", slot.Message);
        consumer.Ref.Tell(new Gradient(5, T(0)));
        var pass = await Assert.ThrowsAnyAsync<Exception>(() => consumer.ExpectGradientAsync(4));
        Assert.Contains("pass 4 but got one of pass 5", pass.Message);
    }

    [Fact]
    public async Task AkkasFishForMessageAndWithinWorkOnGraphMessages()
    {
        var x = CreateTestProbe();
        var leaf = SpawnLeaf(T(2));
        var tracker = CreateTestProbe();
        await WithinAsync(TimeSpan.FromSeconds(5), async () =>
        {
            tracker.PreparePass(leaf, 1, expectedGradients: 1);
            tracker.SendGradient(leaf, 1, T(7));
            tracker.Send(leaf, new GradRequest());
            var reply = await tracker.FishForMessageAsync<GradReply>(_ => true);
            Assert.Equal([7f], Tensor.From(reply.Grad!).ToArray());
        });
        await x.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(20));
    }

    [Fact]
    public async Task NodeActorsRunOnTheCallingThreadDispatcherInsideThisTestKitsSystem()
    {
        var threads = new List<int>();
        var recording = OpTable.Neg with
        {
            Name = "neg-on-thread",
            Forward = (inputs, attributes) =>
            {
                threads.Add(Environment.CurrentManagedThreadId);
                return OpTable.Neg.Forward(inputs, attributes);
            },
        };
        var input = CreateTestProbe();
        var node = SpawnOpNode(recording, input.AsInput());
        await input.ExpectMsgAsync(new Subscribe(0));
        input.Reply(new Forward(0, T(1))); // the node computes during this Tell, on this thread
        Assert.Equal([Environment.CurrentManagedThreadId], threads);
        Assert.Equal(Sys, ((IInternalActorRef)node).Provider.Guardian.Underlying.System);
        Assert.True(Sys.Dispatchers.HasDispatcher(NodeDispatcher.Id));
    }

    [Fact]
    public void ASessionGivenThisSystemPutsItsNodesThere()
    {
        using var session = new Session(new SessionOptions { System = Sys });
        var x = session.Scalar(3f).RequiresGrad();
        (x * x).Backward();
        Assert.Equal(6f, x.Grad!.Item());
        Assert.Equal(Sys.Name, session.Nodes.Path.Address.System);
        Assert.Same(Sys, session.System);
    }

    [Fact]
    public void TheTimeFactorComesFromTheEnvironmentAndBecomesAkkasTimeFactor()
    {
        Assert.Equal(GraphTestKitConfig.TimeFactor, TestKitSettings.TestTimeFactor);
        Assert.Equal(TimeSpan.FromSeconds(2) * GraphTestKitConfig.TimeFactor, Dilated(TimeSpan.FromSeconds(2)));
        Assert.Equal(3.0, GraphTestKitConfig.ParseTimeFactor("3"));
        Assert.Equal(1.0, GraphTestKitConfig.ParseTimeFactor(null));
        var error = Assert.Throws<InvalidOperationException>(() => GraphTestKitConfig.ParseTimeFactor("slow"));
        Assert.Contains("ACTORGRAD_TEST_TIME_FACTOR='slow' is not a positive number", error.Message);
    }
}
