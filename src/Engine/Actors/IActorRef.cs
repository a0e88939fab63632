namespace ActorGrad.Engine.Actors;

/// <summary>A handle to an actor, local or remote alike: the only way to talk to it.</summary>
public interface IActorRef
{
    ActorPath Path { get; }

    /// <summary>Sends a message without waiting; <paramref name="sender"/> is what the recipient sees as Sender.</summary>
    void Tell(object message, IActorRef? sender = null);
}

public static class ActorRefs
{
    /// <summary>No sender: replies go to dead letters.</summary>
    public static readonly IActorRef? NoSender = null;
}

/// <summary>
/// The one seam where local and remote delivery differ (Akka's InternalActorRef, Proto.Actor's
/// Process). Every IActorRef is one of these; the cluster plugs in by subclassing it.
/// </summary>
public abstract class InternalActorRef : IActorRef, IEquatable<InternalActorRef>
{
    public abstract ActorPath Path { get; }

    /// <summary>True once the actor is known to be gone.</summary>
    public abstract bool IsTerminated { get; }

    public void Tell(object message, IActorRef? sender = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        SendUserMessage(message, sender);
    }

    public abstract void SendUserMessage(object message, IActorRef? sender);

    public abstract void SendSystemMessage(SystemMessage message);

    public bool Equals(InternalActorRef? other) => other is not null && Path.Equals(other.Path);
    public override bool Equals(object? obj) => Equals(obj as InternalActorRef);
    public override int GetHashCode() => Path.GetHashCode();
    public override string ToString() => $"Actor[{Path}#{Path.Uid}]";
}
