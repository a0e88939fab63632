namespace ActorGrad.Engine.Actors;

/// <summary>A reference to an actor in this process: delivery is an enqueue into its mailbox.</summary>
internal sealed class LocalActorRef(ActorCell cell, ActorPath path) : InternalActorRef
{
    public ActorCell Cell { get; } = cell;
    public override ActorPath Path { get; } = path;
    public override bool IsTerminated => Cell.IsTerminated;

    public override void SendUserMessage(object message, IActorRef? sender)
    {
        if (Cell.IsTerminated) Cell.System.DeadLetters.Deliver(message, sender, this);
        else Cell.Mailbox.Post(new Envelope(message, sender));
    }

    public override void SendSystemMessage(SystemMessage message)
    {
        if (!Cell.IsTerminated)
        {
            Cell.Mailbox.PostSystem(message);
            return;
        }
        // A stopped actor still answers DeathWatch at once, so watching a dead actor is never silent.
        if (message is Watch w) w.Watcher.SendSystemMessage(new DeathWatchNotification(this, true, false));
    }
}
