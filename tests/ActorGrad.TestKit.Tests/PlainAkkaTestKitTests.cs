using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes.Ops;

namespace ActorGrad.TestKit.Tests;

/// <summary>The graph helpers in a plain Akka TestKit (no GraphTestKit): the system gets the node dispatcher on first use.</summary>
public sealed class PlainAkkaTestKitTests : Akka.TestKit.Xunit2.TestKit
{
    [Fact]
    public async Task AnOpNodeSpawnedInAPlainTestKitsSystemWorks()
    {
        var x = CreateTestProbe();
        var node = Sys.SpawnOpNode(OpTable.Exp, x.AsInput());
        await x.FeedAsync(0, Tensor.FromArray([0f]));
        var consumer = CreateTestProbe();
        consumer.SubscribeTo(node, 0);
        Assert.Equal(new float[] { 1f }, (await consumer.ExpectForwardAsync(0)).ToArray());
    }

    [Fact]
    public void AWrongNumberOfInputsSaysWhatTheOpTakes()
    {
        var error = Assert.Throws<ArgumentException>(() => Sys.SpawnOpNode(OpTable.Mul, CreateTestProbe().AsInput()));
        Assert.Contains("SpawnOpNode(mul): the op takes 2 input(s), 1 given", error.Message);
    }
}
