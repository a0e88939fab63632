using ActorGrad.Engine.Actors;

namespace ActorGrad.Engine.Tests.Actors;

/// <summary>The blocking Ask: the same outcomes as Ask(...).GetAwaiter().GetResult(), on either dispatcher.</summary>
public class AskAndWaitTests : TestKit.TestKit
{
    public static TheoryData<string> DispatcherNames => new() { "thread-pool", "calling-thread" };

    private IActorRef Echo(string dispatcher) =>
        Sys.ActorOf(Props.Create<EchoActor>().WithDispatcher(dispatcher == "thread-pool" ? Dispatchers.Default : Dispatchers.CallingThread));

    [Theory]
    [MemberData(nameof(DispatcherNames))]
    public void The_reply_comes_back_typed(string dispatcher)
    {
        var echo = Echo(dispatcher);
        for (var i = 0; i < 1000; i++) Assert.Equal(i, echo.AskAndWait<int>(i, TimeSpan.FromSeconds(10)));
    }

    [Theory]
    [MemberData(nameof(DispatcherNames))]
    public void A_failure_reply_throws_its_cause_and_a_wrong_type_is_named(string dispatcher)
    {
        var echo = Echo(dispatcher);
        var cause = Assert.Throws<InvalidOperationException>(() =>
            echo.AskAndWait<string>(new Status.Failure(new InvalidOperationException("no")), TimeSpan.FromSeconds(10)));
        Assert.Equal("no", cause.Message);
        Assert.Equal("ok", echo.AskAndWait<string>(new Status.Success("ok"), TimeSpan.FromSeconds(10)));
        var cast = Assert.Throws<InvalidCastException>(() => echo.AskAndWait<string>(5, TimeSpan.FromSeconds(10)));
        Assert.Contains("expected a String reply but got Int32", cast.Message);
    }

    [Fact]
    public void No_reply_times_out_with_the_recipient_and_message_named()
    {
        var silent = Sys.ActorOf(Props.Create(() => new RecorderActor([])));
        var error = Assert.Throws<AskTimeoutException>(() => silent.AskAndWait<int>("anyone?", TimeSpan.FromMilliseconds(100)));
        Assert.Contains(silent.Path.ToString(), error.Message);
        Assert.Contains("String", error.Message);
    }

    [Fact]
    public void Many_threads_wait_at_once_and_each_gets_its_own_reply()
    {
        // Own threads, as callers of a blocking read are: blocking pool threads would starve the actor.
        var echo = Echo("thread-pool");
        var ok = new bool[8];
        var threads = Enumerable.Range(0, ok.Length).Select(t => new Thread(() =>
            ok[t] = Enumerable.Range(0, 500).All(i => echo.AskAndWait<int>(t * 1000 + i, TimeSpan.FromSeconds(20)) == t * 1000 + i))).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => Assert.True(t.Join(TimeSpan.FromSeconds(60))));
        Assert.All(ok, Assert.True);
    }
}
