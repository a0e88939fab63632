namespace ActorGrad.Engine.Actors;

/// <summary>Publish/subscribe by message type, for logs, dead letters and unhandled messages.</summary>
public sealed class EventStream
{
    private readonly Lock _lock = new();
    private (Type Type, Action<object> Handler)[] _subscribers = [];

    public IDisposable Subscribe<T>(Action<T> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Add(typeof(T), e => handler((T)e));
    }

    /// <summary>Tells <paramref name="subscriber"/> every published event of <paramref name="type"/>.</summary>
    public IDisposable Subscribe(IActorRef subscriber, Type type)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        return Add(type, e => subscriber.Tell(e));
    }

    private IDisposable Add(Type type, Action<object> handler)
    {
        var entry = (type, handler);
        lock (_lock) _subscribers = [.. _subscribers, entry];
        return new Subscription(() => { lock (_lock) _subscribers = _subscribers.Where(s => s != entry).ToArray(); });
    }

    public void Publish(object @event)
    {
        foreach (var (type, handler) in _subscribers)
        {
            if (!type.IsInstanceOfType(@event)) continue;
            try { handler(@event); }
            catch (Exception e)
            {
                // A failing subscriber must not stop the others, nor the publisher; say so on stderr
                // rather than through the log, which may be what failed.
                Console.Error.WriteLine($"[eventstream] a subscriber threw on {@event.GetType().Name}: {e.Message}");
            }
        }
    }

    private sealed class Subscription(Action dispose) : IDisposable
    {
        private Action? _dispose = dispose;
        public void Dispose() => Interlocked.Exchange(ref _dispose, null)?.Invoke();
    }
}
