using Akka.Actor;

namespace ActorGrad.Bench.Micro;

/// <summary>
/// Spawns a child, tells it one message and stops it; once it has terminated, the next one, <c>n</c>
/// times; then replies. One child at a time, as a node's actor would come and go.
/// </summary>
internal sealed class SpawnerActor(Props child) : UntypedActor
{
    private IActorRef? _asker;
    private int _left;

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case int n:
                (_asker, _left) = (Sender, n);
                SpawnOne();
                break;
            case Terminated:
                if (--_left == 0) _asker!.Tell(0);
                else SpawnOne();
                break;
        }
    }

    private void SpawnOne()
    {
        var c = Context.ActorOf(child);
        Context.Watch(c);
        c.Tell(_left);
        Context.Stop(c);
    }
}

internal sealed class IdleActor : UntypedActor
{
    protected override void OnReceive(object message) { }
}

/// <summary>Passes a counter to its partner until it reaches the limit, then replies to whoever started it.</summary>
internal sealed class PingActor : UntypedActor
{
    private IActorRef? _partner, _asker;
    private int _limit;

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case IActorRef partner:
                _partner = partner;
                break;
            case Start start:
                (_asker, _limit) = (Sender, start.Hops);
                _partner!.Tell(1);
                break;
            case int n:
                if (_asker is not null && n >= _limit) _asker.Tell(n);
                else _partner!.Tell(n + 1);
                break;
        }
    }

    public sealed record Start(int Hops);
}

internal sealed class PongActor : UntypedActor
{
    protected override void OnReceive(object message) => Sender.Tell((int)message + 1);
}
