using ActorGrad.Engine.Actors;
using ActorGrad.TestKit;

namespace ActorGrad.TestKit.Tests;

internal sealed class Echo : ActorBase
{
    protected override void OnReceive(object message) => Sender.Tell(message, Self);
}

public class TestProbeTests : TestKit
{
    public TestProbeTests() : base(new ActorSystemSettings { ConsoleLogLevel = null }) { }

    [Fact]
    public async Task ExpectMsgByTypePredicateAndValue()
    {
        var echo = ActorOf(Props.Create<Echo>());
        TestActor.Send(echo, "a");
        TestActor.Send(echo, 2);
        TestActor.Send(echo, "c");
        Assert.Equal("a", await TestActor.ExpectMsgAsync<string>());
        Assert.Equal(2, await TestActor.ExpectMsgAsync<int>(n => n == 2));
        await TestActor.ExpectMsgAsync("c");
        Assert.Equal(echo, TestActor.LastSender);
    }

    [Fact]
    public async Task ExpectMsgFailureSaysWhatWasExpectedAndWhatArrived()
    {
        TestActor.Ref.Tell(41);
        var error = await Assert.ThrowsAsync<TestKitAssertionException>(() => TestActor.ExpectMsgAsync<string>());
        Assert.Contains("String", error.Message);
        Assert.Contains("Int32 41", error.Message);
        var timeout = await Assert.ThrowsAsync<TestKitAssertionException>(() => TestActor.ExpectMsgAsync<string>(TimeSpan.FromMilliseconds(20)));
        Assert.Contains("Timeout", timeout.Message);
        Assert.Contains("no message arrived", timeout.Message);
    }

    [Fact]
    public async Task ExpectNoMsgPassesOnSilenceAndFailsOnAMessage()
    {
        await TestActor.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(20));
        TestActor.Ref.Tell("surprise");
        var error = await Assert.ThrowsAsync<TestKitAssertionException>(() => TestActor.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200)));
        Assert.Contains("surprise", error.Message);
    }

    [Fact]
    public async Task FishForMessageSkipsNonMatchingAndReportsWhatItSkipped()
    {
        for (var i = 0; i < 5; i++) TestActor.Ref.Tell(i);
        Assert.Equal(3, await TestActor.FishForMessageAsync<int>(n => n == 3));
        Assert.Equal(4, await TestActor.ExpectMsgAsync<int>());
        TestActor.Ref.Tell("x");
        // The wait must outlast the delivery of "x" on a loaded machine: the report names what came.
        var error = await Assert.ThrowsAsync<TestKitAssertionException>(() => TestActor.FishForMessageAsync<int>(_ => true, TimeSpan.FromSeconds(1)));
        Assert.Contains("String x", error.Message);
    }

    [Fact]
    public async Task ReceiveNCollectsInOrderOrFailsWithWhatCame()
    {
        TestActor.Ref.Tell(1);
        TestActor.Ref.Tell(2);
        Assert.Equal(new object[] { 1, 2 }, await TestActor.ReceiveNAsync(2));
        TestActor.Ref.Tell(3);
        var error = await Assert.ThrowsAsync<TestKitAssertionException>(() => TestActor.ReceiveNAsync(2, TimeSpan.FromSeconds(1)));
        Assert.Contains("got 1", error.Message);
    }

    [Fact]
    public async Task ReplyAndForwardKeepTheRightSenders()
    {
        var other = CreateTestProbe();
        var third = CreateTestProbe();
        other.Send(TestActor.Ref, "question");
        await TestActor.ExpectMsgAsync("question");
        TestActor.Reply("answer");
        await other.ExpectMsgAsync("answer");
        Assert.Equal(TestActor.Ref, other.LastSender);
        TestActor.Forward(third.Ref);
        await third.ExpectMsgAsync("question");
        Assert.Equal(other.Ref, third.LastSender);
    }

    [Fact]
    public async Task ExpectTerminatedAfterWatch()
    {
        var echo = ActorOf(Props.Create<Echo>());
        TestActor.Watch(echo);
        Sys.Stop(echo);
        var terminated = await TestActor.ExpectTerminatedAsync(echo);
        Assert.True(terminated.ExistenceConfirmed);
    }

    [Fact]
    public async Task WithinNestsAndAnInnerBlockGetsNoMoreThanTheOuterHasLeft()
    {
        await TestProbe.WithinAsync(TimeSpan.FromSeconds(5), async () =>
        {
            TestActor.Ref.Tell("fast");
            await TestActor.ExpectMsgAsync<string>();
        });
        var error = await Assert.ThrowsAsync<TestKitAssertionException>(() =>
            TestProbe.WithinAsync(TimeSpan.FromMilliseconds(100), () =>
                TestProbe.WithinAsync(TimeSpan.FromSeconds(30), () => TestActor.ExpectMsgAsync<string>())));
        // The inner ExpectMsg timed out at the outer block's limit, not after 30 s or the 3 s default.
        Assert.Contains("Timeout", error.Message);
        Assert.DoesNotContain("3000 ms", error.Message);
    }

    [Fact]
    public void SyncWrappersWork()
    {
        TestActor.Ref.Tell("sync");
        Assert.Equal("sync", TestActor.ExpectMsg<string>());
        TestActor.ExpectNoMsg(TimeSpan.FromMilliseconds(10));
        Assert.Throws<TestKitAssertionException>(() => TestActor.ExpectMsg<int>(TimeSpan.FromMilliseconds(10)));
    }

    [Fact]
    public void TimeFactorIsPositiveAndDilates()
    {
        Assert.True(TestKitSettings.TimeFactor > 0);
        Assert.Equal(TimeSpan.FromSeconds(2) * TestKitSettings.TimeFactor, TestKitSettings.Dilated(TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public void ReplyWithoutAnyMessageFailsClearly()
    {
        var error = Assert.Throws<TestKitAssertionException>(() => CreateTestProbe().Reply("x"));
        Assert.Contains("no message", error.Message);
    }
}
