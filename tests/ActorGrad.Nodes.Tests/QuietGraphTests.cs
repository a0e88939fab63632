using Akka.Actor;
using Akka.Event;

namespace ActorGrad.Nodes.Tests;

/// <summary>
/// A healthy graph's lifecycle sends nothing to dead letters and nothing a node does not handle
/// (a message for a node that has ended, reaching its actor idle in the pool or reused): every
/// message has its live recipient.
/// </summary>
public sealed class QuietGraphTests : IDisposable
{
    private readonly Session _s = new();
    public void Dispose() => _s.Dispose();

    /// <summary>Counts dead letters and unhandled messages addressed to one session's node actors.</summary>
    private sealed class StrayCounter : ReceiveActor
    {
        public sealed record Count;
        private readonly List<string> _strays = [];
        private readonly string _nodes;

        public StrayCounter(ActorPath nodes)
        {
            // With the trailing slash: "session-1" must not also match "session-12", another test's session in
            // the shared system (its nodes' Unsubscribes while it is disposed are dead letters of its own).
            _nodes = nodes.ToString() + "/";
            Context.System.EventStream.Subscribe(Self, typeof(AllDeadLetters));
            Context.System.EventStream.Subscribe(Self, typeof(UnhandledMessage));
            Receive<AllDeadLetters>(d => Note(d.Recipient, d.Message));
            Receive<UnhandledMessage>(u => Note(u.Recipient, u.Message));
            Receive<Count>(_ => Sender.Tell(_strays.ToArray()));
        }

        private void Note(IActorRef recipient, object message)
        {
            if (recipient.Path.ToString().StartsWith(_nodes, StringComparison.Ordinal)) _strays.Add($"{message} to {recipient.Path}");
        }
    }

    [Fact]
    public async Task TrainingAndControlFlowLoopsProduceNoDeadLetters()
    {
        var counter = _s.System.ActorOf(Props.Create(() => new StrayCounter(_s.Nodes.Path)));
        await counter.Ask<string[]>(new StrayCounter.Count(), TimeSpan.FromSeconds(10)); // subscribed

        var w = _s.RandomNormal(4, 2).RequiresGrad();
        var x = _s.RandomNormal(3, 4);
        var a = _s.Scalar(0.7f).RequiresGrad();
        for (var i = 0; i < 300; i++)
        {
            var loss = Var.Mse(x.MatMul(w).Relu(), _s.Zeros(3, 2));
            loss.Backward();
            w.Step(0.01f);
            w.ZeroGrad();

            var b = a * 2;
            while (b.Norm().Item() < 100) b = b * 2;
            b.Backward();
            if (i % 100 == 99) _s.Collect(); // released handles of stopped nodes must not be told anything
        }
        _s.Collect();
        Assert.Empty(await counter.Ask<string[]>(new StrayCounter.Count(), TimeSpan.FromSeconds(10)));
        _s.System.Stop(counter);
    }
}
