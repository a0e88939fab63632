using ActorGrad.Engine.Actors;

namespace ActorGrad.Bench.Micro;

/// <summary>Passes every message on to the next actor of the chain; the last one completes a countdown.</summary>
internal sealed class HopActor(IActorRef? next, CountdownEvent? done) : ActorBase
{
    protected override void OnReceive(object message)
    {
        if (next is not null) next.Tell(message);
        else done!.Signal();
    }
}

internal sealed class PongActor : ActorBase
{
    protected override void OnReceive(object message) => Sender.Tell(message, Self);
}

internal sealed class IdleActor : ActorBase
{
    protected override void OnReceive(object message) { }
}
