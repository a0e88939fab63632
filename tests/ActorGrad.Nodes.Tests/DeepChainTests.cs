using Akka.Actor;

namespace ActorGrad.Nodes.Tests;

/// <summary>Long recorded chains: node actors hand messages on through the dispatcher's queue, never by recursion.</summary>
public sealed class DeepChainTests : IDisposable
{
    private readonly Session _s = new();
    public void Dispose() => _s.Dispose();

    [Fact]
    public void AHundredThousandOpChainRecordsAndBackpropagatesWithoutOverflowingTheStack()
    {
        const int ops = 100_000;
        var x = _s.Scalar(1f).RequiresGrad();
        var y = x;
        for (var i = 0; i < ops; i++) y = y + 0f;
        // The value reached the end, and the whole chain is alive until the pass.
        Assert.Equal(1f, y.Item());
        Assert.Equal(ops + 1, _s.LiveNodeCount);
        y.Backward(); // 100,000 Gradient messages, each told from inside the previous node's receive
        Assert.Equal(1f, x.Grad!.Item());
        Assert.Equal(1, _s.LiveNodeCount); // a non-retained pass freed the chain: only x is left
    }
}

/// <summary>
/// A Session used from inside an actor: on Akka's default dispatcher (the usual case), and on the
/// node dispatcher itself, where blocking reads and Backward run the thread's queue instead of
/// waiting on it.
/// </summary>
public sealed class SessionInsideAnActorTests
{
    private sealed class Trainer(IActorRef probe) : UntypedActor
    {
        protected override void OnReceive(object message)
        {
            using var s = new Session(new SessionOptions { System = Context.System });
            var x = s.Scalar((float)message).RequiresGrad();
            var y = (x * x).Sin();
            y.Backward();
            probe.Tell((y.Item(), x.Grad!.Item()));
        }
    }

    /// <summary>Makes the trainer its child (a child starts at once; a top-level actor waits for the guardian) and passes the work on.</summary>
    private sealed class Parent(Props trainer) : UntypedActor
    {
        private readonly IActorRef _trainer = Context.ActorOf(trainer);
        protected override void OnReceive(object message) => _trainer.Forward(message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RecordingReadingAndBackwardInsideAnActorDoNotDeadlock(bool onNodeDispatcher)
    {
        var system = ActorSystem.Create("inside", Akka.Configuration.ConfigurationFactory.ParseString("akka.loglevel = OFF"));
        try
        {
            var nodeDispatcher = ActorGrad.Engine.Dispatch.NodeDispatcher.Register(system);
            var replies = new TaskCompletionSource<(float, float)>();
            var probe = system.ActorOf(Props.Create(() => new Replier(replies)));
            var trainer = Props.Create(() => new Trainer(probe));
            if (onNodeDispatcher) trainer = trainer.WithDispatcher(nodeDispatcher);
            var parent = system.ActorOf(Props.Create(() => new Parent(trainer)));
            parent.Tell(2f);
            var (value, grad) = await replies.Task.WaitAsync(TimeSpan.FromSeconds(30 * TimeFactor));
            Assert.Equal(MathF.Sin(4f), value, 5);
            Assert.Equal(2f * 2f * MathF.Cos(4f), grad, 4);
        }
        finally
        {
            await system.Terminate();
        }
    }

    private static double TimeFactor =>
        double.TryParse(Environment.GetEnvironmentVariable("ACTORGRAD_TEST_TIME_FACTOR"), System.Globalization.CultureInfo.InvariantCulture, out var f) && f > 0 ? f : 1;

    private sealed class Replier(TaskCompletionSource<(float, float)> replies) : UntypedActor
    {
        protected override void OnReceive(object message) => replies.TrySetResult(((float, float))message);
    }
}
