namespace ActorGrad.Engine.Actors;

/// <summary>
/// Runtime messages between actor cells. They go before user messages and are never seen by
/// actor code; what an actor sees of them arrives as <see cref="Terminated"/>.
/// </summary>
public abstract record SystemMessage;

internal sealed record Create : SystemMessage
{
    public static readonly Create Instance = new();
}
internal sealed record Terminate : SystemMessage
{
    public static readonly Terminate Instance = new();
}
internal sealed record Watch(InternalActorRef Watchee, InternalActorRef Watcher) : SystemMessage;
internal sealed record Unwatch(InternalActorRef Watchee, InternalActorRef Watcher) : SystemMessage;
/// <summary>Tells a watcher (and the parent) that an actor stopped.</summary>
public sealed record DeathWatchNotification(IActorRef Actor, bool ExistenceConfirmed, bool AddressTerminated) : SystemMessage;
internal sealed record Failed(InternalActorRef Child, Exception Cause) : SystemMessage;
internal sealed record Resume : SystemMessage;
internal sealed record Recreate(Exception Cause) : SystemMessage;
/// <summary>An actor's asynchronous handler finished; its mailbox may go on.</summary>
internal sealed record AsyncHandlerDone(Exception? Failure) : SystemMessage;
