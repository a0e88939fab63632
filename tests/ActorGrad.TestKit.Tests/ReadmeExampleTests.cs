using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes.Ops;

namespace ActorGrad.TestKit.Tests;

/// <summary>The README's "Testing your own graphs" example, as written there.</summary>
public class MyGraphTests : GraphTestKit
{
    [Fact]
    public async Task MulSendsEachInputTheOtherTimesTheGradient()
    {
        var a = CreateTestProbe();
        var b = CreateTestProbe();
        var node = SpawnOpNode(OpTable.Mul, a.AsInput(), b.AsInput());
        await a.FeedAsync(0, Tensor.FromArray([2f]));
        await b.FeedAsync(1, Tensor.FromArray([5f]));

        var tracker = CreateTestProbe();
        tracker.PreparePass(node, passId: 1, expectedGradients: 1);
        tracker.SendGradient(node, 1, Tensor.FromArray([1f]));
        Assert.Equal(new float[] { 5f }, (await a.ExpectGradientAsync(1)).ToArray());
        Assert.Equal(new float[] { 2f }, (await b.ExpectGradientAsync(1)).ToArray());
        await tracker.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100)); // an op node does not report
    }
}
