using ActorGrad.Engine.Dispatch;
using Akka.Actor;

namespace ActorGrad.Engine.Tests.Dispatch;

public sealed class CallingThreadDispatcherTests : DispatcherTestKit
{
    private readonly string _dispatcher;

    // Registered in code, the way a Session does it (the TestKit's config does not name it).
    public CallingThreadDispatcherTests() => _dispatcher = NodeDispatcher.Register(Sys);

    private IActorRef Spawn<T>(System.Linq.Expressions.Expression<Func<T>> factory) where T : ActorBase
    {
        var actor = Sys.ActorOf(Props.Create(factory).WithDispatcher(_dispatcher));
        // A top-level actor starts once its guardian (on Akka's default dispatcher) has taken it in;
        // until then its messages wait in a placeholder cell. Identify answers once it runs here.
        actor.Tell(new Identify(null), TestActor);
        ExpectMsg<ActorIdentity>();
        return actor;
    }

    /// <summary>Records what it receives and on which thread.</summary>
    private sealed class Recorder(List<(object Message, int Thread)> log) : UntypedActor
    {
        protected override void OnReceive(object message)
        {
            lock (log) log.Add((message, Environment.CurrentManagedThreadId));
        }
    }

    [Fact]
    public void ATellFromOutsideIsProcessedOnTheCallingThreadBeforeTellReturns()
    {
        var log = new List<(object, int)>();
        var actor = Spawn(() => new Recorder(log));
        actor.Tell("a");
        actor.Tell("b");
        Assert.Equal([("a", Environment.CurrentManagedThreadId), ("b", Environment.CurrentManagedThreadId)], log);
        Assert.False(CallingThreadDispatcher.IsDraining);
    }

    /// <summary>Tells <see cref="Next"/> the message, noting when its own receive starts and ends.</summary>
    private sealed class Relay(List<string> log, string name) : UntypedActor
    {
        public IActorRef? Next { get; set; }

        protected override void OnReceive(object message)
        {
            if (message is IActorRef next)
            {
                Next = next;
                return;
            }
            log.Add($"{name} start");
            Next?.Tell(message);
            log.Add($"{name} end");
        }
    }

    [Fact]
    public void ATellFromInsideAnActorRunsAfterItsReceiveReturnsNotNestedInIt()
    {
        var log = new List<string>();
        var a = Spawn(() => new Relay(log, "a"));
        var b = Spawn(() => new Relay(log, "b"));
        a.Tell(b);
        a.Tell("go");
        Assert.Equal(["a start", "a end", "b start", "b end"], log);
    }

    /// <summary>Passes a counter back and forth until it reaches the limit, then tells the probe.</summary>
    private sealed class Hop(IActorRef done, int limit) : UntypedActor
    {
        private IActorRef? _partner;
        private int _minDepth = int.MaxValue, _maxDepth;

        protected override void OnReceive(object message)
        {
            switch (message)
            {
                case IActorRef partner:
                    _partner = partner;
                    break;
                case int n:
                    if (n % 1000 == 0)
                    {
                        var depth = new System.Diagnostics.StackTrace().FrameCount;
                        _minDepth = Math.Min(_minDepth, depth);
                        _maxDepth = Math.Max(_maxDepth, depth);
                    }
                    if (n >= limit) done.Tell((n, _maxDepth - _minDepth));
                    else _partner!.Tell(n + 1);
                    break;
            }
        }
    }

    [Fact]
    public void AHundredThousandDeepChainOfNestedTellsNeitherRecursesNorOverflows()
    {
        const int hops = 100_000;
        var a = Spawn(() => new Hop(TestActor, hops));
        var b = Spawn(() => new Hop(TestActor, hops));
        a.Tell(b);
        b.Tell(a);
        a.Tell(0); // every hop is scheduled from inside the previous one
        var (reached, depthSpread) = ExpectMsg<(int, int)>();
        Assert.Equal(hops, reached);
        // Trampolined: every hop runs at about the same stack depth (inlining by the JIT's later tiers
        // moves it by a few frames); a recursive dispatcher would add frames on every hop.
        Assert.InRange(depthSpread, 0, 50);
    }

    /// <summary>Throws on "boom"; reports restarts and what it receives to the probe.</summary>
    private sealed class Fragile(IActorRef probe) : UntypedActor
    {
        protected override void OnReceive(object message)
        {
            if (message is "boom") throw new InvalidOperationException("boom");
            probe.Tell($"got {message}");
        }

        protected override void PostRestart(Exception reason) => probe.Tell($"restarted after {reason.Message}");
    }

    [Fact]
    public void AnActorThatThrowsGoesToSupervisionAndOtherMailboxesStillRun()
    {
        var fragile = Spawn(() => new Fragile(TestActor));
        var log = new List<(object, int)>();
        var bystander = Spawn(() => new Recorder(log));
        fragile.Tell("boom");
        bystander.Tell("still here");
        // The default strategy (the guardian's) restarts it; the exception did not escape to the caller.
        ExpectMsg("restarted after boom");
        fragile.Tell("after");
        ExpectMsg("got after");
        Assert.Single(log);
    }

    /// <summary>Checks it is never run by two threads at once and that each sender's numbers come in order.</summary>
    private sealed class OrderChecker(IActorRef probe, int expected) : UntypedActor
    {
        private readonly Dictionary<int, int> _lastBySender = [];
        private int _inside, _count;

        protected override void OnReceive(object message)
        {
            if (Interlocked.Exchange(ref _inside, 1) != 0) probe.Tell("ran concurrently");
            var (sender, n) = ((int, int))message;
            if (_lastBySender.TryGetValue(sender, out var last) && n != last + 1) probe.Tell($"out of order: {sender} sent {n} after {last}");
            _lastBySender[sender] = n;
            if (++_count == expected) probe.Tell("all received");
            Volatile.Write(ref _inside, 0);
        }
    }

    [Fact]
    public void TwoThreadsSchedulingOneActorAtOnceKeepOneMessageAtATimeInOrderPerSender()
    {
        const int perThread = 50_000;
        var checker = Spawn(() => new OrderChecker(TestActor, 2 * perThread));
        using var start = new Barrier(2);
        var threads = Enumerable.Range(0, 2).Select(id => new Thread(() =>
        {
            start.SignalAndWait();
            for (var n = 0; n < perThread; n++) checker.Tell((id, n));
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        ExpectMsg("all received");
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void MessagesToOneActorFromInsideAnotherArriveInTheOrderSent()
    {
        var log = new List<(object Message, int)>();
        var recorder = Spawn(() => new Recorder(log));
        var sender = Spawn(() => new FanOut(recorder));
        sender.Tell(5);
        Assert.Equal([0, 1, 2, 3, 4], log.Select(e => (int)e.Message));
    }

    private sealed class FanOut(IActorRef target) : UntypedActor
    {
        protected override void OnReceive(object message)
        {
            for (var i = 0; i < (int)message; i++) target.Tell(i);
        }
    }
}
