namespace ActorGrad.Engine.Actors;

/// <summary>What an actor can do from inside (Akka's IActorContext).</summary>
public interface IActorContext
{
    IActorRef Self { get; }
    IActorRef Sender { get; }
    IActorRef? Parent { get; }
    ActorSystem System { get; }
    IReadOnlyCollection<IActorRef> Children { get; }

    IActorRef ActorOf(Props props, string? name = null);
    void Stop(IActorRef actor);
    /// <summary>Deliver <see cref="Terminated"/> to this actor when <paramref name="actor"/> stops.</summary>
    IActorRef Watch(IActorRef actor);
    IActorRef Unwatch(IActorRef actor);
}
