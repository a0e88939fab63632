namespace ActorGrad.Engine.Actors;

/// <summary>
/// The base of every actor. <see cref="OnReceive"/> is the synchronous fast path: one call per
/// message, nothing allocated by the runtime for it.
/// </summary>
public abstract class ActorBase
{
    private readonly ActorCell _cell;

    protected ActorBase()
    {
        _cell = ActorCell.Constructing ?? throw new InvalidOperationException(
            $"{GetType().Name} must be created by the actor system (ActorOf with Props), not with 'new'.");
    }

    protected IActorContext Context => _cell;
    /// <summary>The runtime cell of this actor (for the runtime's own actor kinds, e.g. ReceiveActor's async handlers).</summary>
    internal ActorCell Cell => _cell;
    protected IActorRef Self => _cell.Self;
    /// <summary>The sender of the message being processed (dead letters when there was none).</summary>
    protected IActorRef Sender => _cell.Sender;

    /// <summary>Handles one message; call <see cref="Unhandled"/> for messages it does not know.</summary>
    protected abstract void OnReceive(object message);

    protected virtual void PreStart() { }
    protected virtual void PostStop() { }

    /// <summary>Before a restart: by default stops all children, then runs PostStop.</summary>
    protected virtual void PreRestart(Exception reason, object? message)
    {
        foreach (var child in Context.Children) Context.Stop(child);
        PostStop();
    }

    /// <summary>After a restart, on the new instance: by default runs PreStart.</summary>
    protected virtual void PostRestart(Exception reason) => PreStart();

    /// <summary>The strategy this actor supervises its children with (Props can override it).</summary>
    protected virtual SupervisorStrategy SupervisorStrategy => SupervisorStrategy.Default;

    // Bridges for the cell: the hooks stay plain `protected` for every actor author, friend assemblies included.
    internal void InvokeReceive(object message) => OnReceive(message);
    internal void InvokePreStart() => PreStart();
    internal void InvokePostStop() => PostStop();
    internal void InvokePreRestart(Exception reason, object? message) => PreRestart(reason, message);
    internal void InvokePostRestart(Exception reason) => PostRestart(reason);
    internal SupervisorStrategy ChildStrategy => SupervisorStrategy;

    /// <summary>A message nobody handles: Terminated becomes a death pact, anything else is published.</summary>
    protected void Unhandled(object message)
    {
        if (message is Terminated t) throw new DeathPactException(t.Actor);
        _cell.System.EventStream.Publish(new UnhandledMessage(message, _cell.CurrentSender, Self));
    }
}
