namespace ActorGrad.Engine.Actors;

/// <summary>
/// An actor with typed handlers, tried in the order they were registered (Akka's ReceiveActor).
/// An async handler suspends the mailbox until its task completes, so the actor still handles one
/// message at a time.
/// </summary>
public abstract class ReceiveActor : ActorBase
{
    private readonly List<Handler> _handlers = [];
    private Action<object>? _any;

    private sealed record Handler(Type Type, Func<object, bool>? Predicate, Action<object>? Sync, Func<object, Task>? Async);

    protected void Receive<T>(Action<T> handler) => _handlers.Add(new Handler(typeof(T), null, m => handler((T)m), null));

    protected void Receive<T>(Predicate<T> predicate, Action<T> handler) =>
        _handlers.Add(new Handler(typeof(T), m => predicate((T)m), m => handler((T)m), null));

    protected void ReceiveAsync<T>(Func<T, Task> handler) => _handlers.Add(new Handler(typeof(T), null, null, m => handler((T)m)));

    protected void ReceiveAny(Action<object> handler) => _any = handler;

    protected sealed override void OnReceive(object message)
    {
        foreach (var h in _handlers)
        {
            if (!h.Type.IsInstanceOfType(message) || (h.Predicate is not null && !h.Predicate(message))) continue;
            if (h.Sync is not null) h.Sync(message);
            else Cell.RunAsyncHandler(h.Async!(message)); // the cell running this message is the actor's own
            return;
        }
        if (_any is not null) _any(message);
        else Unhandled(message);
    }
}
