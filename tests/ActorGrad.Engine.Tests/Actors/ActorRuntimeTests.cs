using ActorGrad.Engine.Actors;
using ActorGrad.TestKit;

namespace ActorGrad.Engine.Tests.Actors;

public class ActorRuntimeTests : TestKit.TestKit
{
    public ActorRuntimeTests() : base(new ActorSystemSettings { ConsoleLogLevel = null }) { }

    public static TheoryData<string> DispatcherNames => new() { "thread-pool", "calling-thread" };
    private static MessageDispatcher Dispatcher(string name) => name == "thread-pool" ? Dispatchers.Default : Dispatchers.CallingThread;

    [Theory]
    [MemberData(nameof(DispatcherNames))]
    public async Task TellAndAskRoundTrip(string dispatcher)
    {
        var echo = Sys.ActorOf(Props.Create<EchoActor>().WithDispatcher(Dispatcher(dispatcher)), "echo");
        Assert.Equal("hello", await echo.Ask<string>("hello", TimeSpan.FromSeconds(5)));
        TestActor.Send(echo, 42);
        Assert.Equal(42, await TestActor.ExpectMsgAsync<int>());
        Assert.Equal(echo, TestActor.LastSender);
    }

    [Fact]
    public async Task CallingThreadDispatcherAnswersAskSynchronously()
    {
        var echo = Sys.ActorOf(Props.Create<EchoActor>().WithDispatcher(Dispatchers.CallingThread));
        var reply = echo.Ask<string>("now");
        Assert.True(reply.IsCompletedSuccessfully);
        Assert.Equal("now", await reply);
    }

    [Theory]
    [MemberData(nameof(DispatcherNames))]
    public async Task ManyConcurrentSendersLoseNothingAndKeepPerSenderOrder(string dispatcher)
    {
        var log = new List<object>();
        var recorder = Sys.ActorOf(Props.Create(() => new RecorderActor(log)).WithDispatcher(Dispatcher(dispatcher)));
        const int senders = 4, perSender = 50_000;
        await Task.WhenAll(Enumerable.Range(0, senders).Select(s => Task.Run(() =>
        {
            for (var i = 0; i < perSender; i++) recorder.Tell((s, i));
        })));
        Assert.Equal(senders * perSender + 1, await recorder.Ask<int>("count", TimeSpan.FromSeconds(30)));
        lock (log)
        {
            for (var s = 0; s < senders; s++)
            {
                var seen = log.OfType<(int, int)>().Where(m => m.Item1 == s).Select(m => m.Item2).ToArray();
                Assert.Equal(Enumerable.Range(0, perSender), seen);
            }
        }
    }

    [Fact]
    public async Task AskTimesOutWithAClearMessage()
    {
        var silent = Sys.ActorOf(Props.Create(() => new RecorderActor([])), "silent");
        var error = await Assert.ThrowsAsync<AskTimeoutException>(() => silent.Ask<string>("anything", TimeSpan.FromMilliseconds(50)));
        Assert.Contains("/user/silent", error.Message);
        Assert.Contains("String", error.Message);
    }

    [Fact]
    public async Task AskFailsWithStatusFailureCauseAndWithWrongReplyType()
    {
        var echo = Sys.ActorOf(Props.Create<EchoActor>());
        var cause = new InvalidOperationException("nope");
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => echo.Ask<string>(new Status.Failure(cause), TimeSpan.FromSeconds(5)));
        Assert.Same(cause, error);
        var cast = await Assert.ThrowsAsync<InvalidCastException>(() => echo.Ask<string>(7, TimeSpan.FromSeconds(5)));
        Assert.Contains("Int32", cast.Message);
    }

    [Fact]
    public async Task PipeToDeliversResultOrFailure()
    {
        var probe = CreateTestProbe();
        await Task.FromResult(5).PipeTo(probe.Ref);
        Assert.Equal(5, await probe.ExpectMsgAsync<int>());
        await Task.FromException<int>(new ArgumentException("bad")).PipeTo(probe.Ref);
        var failure = await probe.ExpectMsgAsync<Status.Failure>();
        Assert.IsType<ArgumentException>(failure.Cause);
    }

    [Fact]
    public async Task StoppedActorsGoToDeadLettersAndAreCounted()
    {
        var probe = CreateTestProbe();
        var actor = Sys.ActorOf(Props.Create(() => new FragileActor(probe.Ref)));
        await probe.ExpectMsgAsync("started");
        probe.Watch(actor);
        Sys.Stop(actor);
        // Terminated is a system notification and may overtake the user message sent from PostStop.
        var both = await probe.ReceiveNAsync(2);
        Assert.Contains("stopped", both);
        Assert.Contains(both, m => m is Terminated t && t.Actor.Equals(actor));
        var before = Sys.DeadLetters.Count;
        actor.Tell("late");
        Assert.Equal(before + 1, Sys.DeadLetters.Count);
        Assert.Contains(Sys.DeadLetters.Recent, d => Equals(d.Message, "late") && d.Recipient.Equals(actor));
        Assert.IsAssignableFrom<DeadLetterActorRef>(Sys.ResolveActorRef(ActorPath.Parse($"actorgrad://{Sys.Name}/user/nobody")));
    }

    [Fact]
    public async Task WatchingAnAlreadyDeadActorDeliversTerminatedAtOnce()
    {
        var actor = Sys.ActorOf(Props.Create<EchoActor>());
        Sys.Stop(actor);
        await Sys.WhenTerminated(actor);
        var probe = CreateTestProbe();
        probe.Watch(actor);
        await probe.ExpectTerminatedAsync(actor);
    }

    [Fact]
    public async Task PoisonPillStopsAfterEarlierMessages()
    {
        var log = new List<object>();
        var recorder = Sys.ActorOf(Props.Create(() => new RecorderActor(log)));
        var probe = CreateTestProbe();
        probe.Watch(recorder);
        recorder.Tell(1);
        recorder.Tell(2);
        recorder.Tell(PoisonPill.Instance);
        await probe.ExpectTerminatedAsync(recorder);
        lock (log) Assert.Equal(new object[] { 1, 2 }, log);
    }

    [Fact]
    public async Task DefaultStrategyRestartsAndResetsState()
    {
        var probe = CreateTestProbe();
        var actor = Sys.ActorOf(Props.Create(() => new FragileActor(probe.Ref)));
        await probe.ExpectMsgAsync("started");
        actor.Tell(5);
        actor.Tell("fail");
        await probe.ExpectMsgAsync("pre-restart:boom:fail");
        await probe.ExpectMsgAsync("stopped");
        await probe.ExpectMsgAsync("started");
        Assert.Equal(0, await actor.Ask<int>("state", TimeSpan.FromSeconds(5)));
    }

    public static TheoryData<Directive> Directives => new() { Directive.Resume, Directive.Restart, Directive.Stop };

    [Theory]
    [MemberData(nameof(Directives))]
    public async Task ParentStrategyDecidesTheChildsFate(Directive directive)
    {
        var probe = CreateTestProbe();
        var parent = Sys.ActorOf(Props.Create(() => new ParentActor(new OneForOneStrategy(_ => directive), probe.Ref)));
        var child = await parent.Ask<IActorRef>(("child", "kid"), TimeSpan.FromSeconds(5));
        await probe.ExpectMsgAsync("started");
        child.Tell(3);
        probe.Watch(child);
        child.Tell("fail");
        switch (directive)
        {
            case Directive.Resume:
                Assert.Equal(3, await child.Ask<int>("state", TimeSpan.FromSeconds(5)));
                break;
            case Directive.Restart:
                await probe.FishForMessageAsync<string>(m => m == "started");
                Assert.Equal(0, await child.Ask<int>("state", TimeSpan.FromSeconds(5)));
                break;
            case Directive.Stop:
                await probe.FishForMessageAsync<Terminated>(t => t.Actor.Equals(child));
                break;
        }
    }

    [Fact]
    public async Task RestartsBeyondTheLimitStopTheChild()
    {
        var probe = CreateTestProbe();
        var parent = Sys.ActorOf(Props.Create(() => new ParentActor(new OneForOneStrategy(1, TimeSpan.FromMinutes(1), _ => Directive.Restart), probe.Ref)));
        var child = await parent.Ask<IActorRef>(("child", "kid"), TimeSpan.FromSeconds(5));
        probe.Watch(child);
        child.Tell("fail");
        child.Tell("fail");
        await probe.FishForMessageAsync<Terminated>(t => t.Actor.Equals(child));
    }

    [Fact]
    public async Task EscalationFailsTheParentWhoseSupervisorRestartsIt()
    {
        var probe = CreateTestProbe();
        var parent = Sys.ActorOf(Props.Create(() => new ParentActor(new OneForOneStrategy(_ => Directive.Escalate), probe.Ref)));
        var child = await parent.Ask<IActorRef>(("child", "kid"), TimeSpan.FromSeconds(5));
        await probe.ExpectMsgAsync("started");
        probe.Watch(child);
        child.Tell("fail");
        // The parent restarts (default strategy of /user), and its PreRestart stops its children.
        await probe.FishForMessageAsync<Terminated>(t => t.Actor.Equals(child));
        // The restarted parent still serves requests.
        var fresh = await parent.Ask<IActorRef>(("child", "kid2"), TimeSpan.FromSeconds(5));
        Assert.NotEqual(child, fresh);
    }

    [Fact]
    public async Task AllForOneRestartsTheSiblingsToo()
    {
        var probe = CreateTestProbe();
        var parent = Sys.ActorOf(Props.Create(() => new ParentActor(new AllForOneStrategy(_ => Directive.Restart), probe.Ref)));
        var a = await parent.Ask<IActorRef>(("child", "a"), TimeSpan.FromSeconds(5));
        var b = await parent.Ask<IActorRef>(("child", "b"), TimeSpan.FromSeconds(5));
        await probe.ReceiveNAsync(2);
        b.Tell(7);
        Assert.Equal(7, await b.Ask<int>("state", TimeSpan.FromSeconds(5)));
        a.Tell("fail");
        // Both restart: each reports pre-restart, stopped (from PreRestart) and started.
        var lifecycle = (await probe.ReceiveNAsync(6)).Cast<string>().ToArray();
        Assert.Equal(2, lifecycle.Count(m => m == "started"));
        Assert.Contains("pre-restart:boom:", lifecycle);
        Assert.Equal(0, await b.Ask<int>("state", TimeSpan.FromSeconds(5)));
    }

    private sealed class SlowAsyncActor : ReceiveActor
    {
        public SlowAsyncActor(TaskCompletionSource gate, List<string> log)
        {
            ReceiveAsync<string>(async m =>
            {
                lock (log) log.Add($"start {m}");
                if (m == "first") await gate.Task;
                lock (log) log.Add($"end {m}");
                if (m == "second") Sender.Tell("done");
            });
        }
    }

    [Fact]
    public async Task AnAsyncHandlerHoldsTheMailboxUntilItsTaskCompletes()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var log = new List<string>();
        var actor = Sys.ActorOf(Props.Create(() => new SlowAsyncActor(gate, log)));
        TestActor.Send(actor, "first");
        TestActor.Send(actor, "second");
        await TestActor.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
        lock (log) Assert.Equal(["start first"], log); // "second" waits: one message at a time
        gate.SetResult();
        await TestActor.ExpectMsgAsync("done");
        lock (log) Assert.Equal(["start first", "end first", "start second", "end second"], log);
    }

    [Fact]
    public async Task AFailingAsyncHandlerIsSupervisedLikeASyncOne()
    {
        var restarted = new TaskCompletionSource<LogEvent>();
        using var _ = Sys.EventStream.Subscribe<LogEvent>(e => { if (e.Level == LogLevel.Error) restarted.TrySetResult(e); });
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var actor = Sys.ActorOf(Props.Create(() => new SlowAsyncActor(gate, [])));
        actor.Tell("first");
        gate.SetException(new TimeoutException("async work failed"));
        var error = await restarted.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.IsType<TimeoutException>(error.Cause);
        // Restarted, the actor serves the next message.
        TestActor.Send(actor, "second");
        await TestActor.ExpectMsgAsync("done");
    }

    [Fact]
    public async Task FailuresArePublishedNotSwallowed()
    {
        var errors = new List<LogEvent>();
        using var _ = Sys.EventStream.Subscribe<LogEvent>(e => { lock (errors) errors.Add(e); });
        var probe = CreateTestProbe();
        var actor = Sys.ActorOf(Props.Create(() => new FragileActor(probe.Ref)), "fragile");
        actor.Tell("fail");
        await probe.FishForMessageAsync<string>(m => m.StartsWith("pre-restart"));
        lock (errors) Assert.Contains(errors, e => e.Level == LogLevel.Error && e.Source.Contains("/user/fragile") && e.Cause is InvalidOperationException);
    }

    [Fact]
    public async Task UnhandledMessagesArePublished()
    {
        var unhandled = new TaskCompletionSource<UnhandledMessage>();
        using var _ = Sys.EventStream.Subscribe<UnhandledMessage>(u => unhandled.TrySetResult(u));
        var probe = CreateTestProbe();
        var actor = Sys.ActorOf(Props.Create(() => new FragileActor(probe.Ref)));
        actor.Tell(3.5);
        var u = await unhandled.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(3.5, u.Message);
    }

    [Fact]
    public async Task StoppingAParentStopsChildrenFirstAndLiveCountReturnsToZero()
    {
        var probe = CreateTestProbe();
        var baseline = Sys.LiveActorCount;
        var parent = Sys.ActorOf(Props.Create(() => new ParentActor(SupervisorStrategy.Default, probe.Ref)));
        for (var i = 0; i < 3; i++) await parent.Ask<IActorRef>(("child", $"c{i}"), TimeSpan.FromSeconds(5));
        Assert.Equal(baseline + 4, Sys.LiveActorCount);
        Sys.Stop(parent);
        await Sys.WhenTerminated(parent);
        Assert.Equal(baseline, Sys.LiveActorCount);
    }

    [Fact]
    public async Task HundredThousandActorsSpawnAndStopCleanly()
    {
        var baseline = Sys.LiveActorCount;
        var actors = new IActorRef[100_000];
        for (var i = 0; i < actors.Length; i++) actors[i] = Sys.ActorOf(Props.Create<EchoActor>().WithDispatcher(Dispatchers.CallingThread));
        Assert.Equal(baseline + actors.Length, Sys.LiveActorCount);
        foreach (var a in actors) Sys.Stop(a);
        await Task.WhenAll(actors.Select(Sys.WhenTerminated));
        Assert.Equal(baseline, Sys.LiveActorCount);
    }

    [Fact]
    public async Task DisposeStopsEveryActor()
    {
        var system = ActorSystem.Create("disposable", new ActorSystemSettings { ConsoleLogLevel = null });
        var probe = new TestProbe(system);
        var actor = system.ActorOf(Props.Create(() => new FragileActor(probe.Ref)));
        await probe.ExpectMsgAsync("started");
        await system.DisposeAsync();
        Assert.Equal(0, system.LiveActorCount);
        Assert.True(system.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => system.ActorOf(Props.Create<EchoActor>()));
    }

    [Fact]
    public void NamesAreValidatedAndUnique()
    {
        Sys.ActorOf(Props.Create<EchoActor>(), "unique");
        Assert.Throws<InvalidOperationException>(() => Sys.ActorOf(Props.Create<EchoActor>(), "unique"));
        Assert.Throws<ArgumentException>(() => Sys.ActorOf(Props.Create<EchoActor>(), "a/b"));
        Assert.Throws<ArgumentException>(() => Sys.ActorOf(Props.Create<EchoActor>(), "$x"));
        Assert.Throws<InvalidOperationException>(() => new EchoActor());
    }

    [Fact]
    public void PathsParseAndResolve()
    {
        var actor = Sys.ActorOf(Props.Create<EchoActor>(), "resolvable");
        var path = ActorPath.Parse(actor.Path.ToString());
        Assert.Equal(["user", "resolvable"], path.Elements);
        Assert.Equal(actor, Sys.ResolveActorRef(path));
        var remote = ActorPath.Parse("actorgrad://other@127.0.0.1:2552/user/x#42");
        Assert.Equal("127.0.0.1", remote.Address.Host);
        Assert.Equal(2552, remote.Address.Port);
        Assert.Equal(42, remote.Uid);
        Assert.Throws<FormatException>(() => ActorPath.Parse("http://x/y"));
        Assert.Throws<FormatException>(() => ActorPath.Parse("actorgrad://sys@host:notaport/y"));
    }
}
