namespace ActorGrad.Engine.Actors;

/// <summary>Delivered to a watcher when a watched actor stops (or its member is gone: AddressTerminated).</summary>
public sealed record Terminated(IActorRef Actor, bool ExistenceConfirmed, bool AddressTerminated);

/// <summary>Stops the actor once the messages before it have been processed.</summary>
public sealed record PoisonPill
{
    public static readonly PoisonPill Instance = new();
}

/// <summary>Makes the actor fail with <see cref="ActorKilledException"/> (its supervisor stops it).</summary>
public sealed record Kill
{
    public static readonly Kill Instance = new();
}

/// <summary>A message no one could deliver: to a stopped or unknown actor.</summary>
public sealed record DeadLetter(object Message, IActorRef? Sender, IActorRef Recipient);

/// <summary>A message the recipient had no handler for.</summary>
public sealed record UnhandledMessage(object Message, IActorRef? Sender, IActorRef Recipient);

/// <summary>Replies that end an Ask: Success carries a value; Failure fails the asking task.</summary>
public static class Status
{
    public sealed record Success(object? Value);
    public sealed record Failure(Exception Cause);
}

public sealed class ActorKilledException(string message) : Exception(message);

/// <summary>An actor received Terminated for an actor it watched but had no handler for it.</summary>
public sealed class DeathPactException(IActorRef dead) : Exception($"Watched actor {dead.Path} terminated and the watcher did not handle Terminated.")
{
    public IActorRef DeadActor { get; } = dead;
}

/// <summary>The actor's constructor or PreStart threw.</summary>
public sealed class ActorInitializationException(ActorPath path, Exception inner) : Exception($"Actor {path} failed to start: {inner.Message}", inner);
