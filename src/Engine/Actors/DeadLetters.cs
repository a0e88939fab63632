namespace ActorGrad.Engine.Actors;

/// <summary>Where undeliverable messages go: counted, the latest kept for inspection, and published.</summary>
public sealed class DeadLetterActorRef : InternalActorRef
{
    private const int Kept = 256;
    private readonly ActorSystem _system;
    private readonly Lock _lock = new();
    private readonly Queue<DeadLetter> _recent = new();
    private long _count;

    internal DeadLetterActorRef(ActorSystem system, ActorPath path)
    {
        _system = system;
        Path = path;
    }

    public override ActorPath Path { get; }
    public override bool IsTerminated => false;
    public long Count => Interlocked.Read(ref _count);

    /// <summary>The most recent dead letters, oldest first.</summary>
    public IReadOnlyList<DeadLetter> Recent
    {
        get { lock (_lock) return _recent.ToArray(); }
    }

    public override void SendUserMessage(object message, IActorRef? sender)
    {
        if (message is DeadLetter d) Deliver(d.Message, d.Sender, d.Recipient);
        else Deliver(message, sender, this);
    }

    public override void SendSystemMessage(SystemMessage message)
    {
        if (message is Watch w) w.Watcher.SendSystemMessage(new DeathWatchNotification(w.Watchee, false, false));
    }

    public void Deliver(object message, IActorRef? sender, IActorRef recipient)
    {
        // Termination notices to actors that have gone themselves are not news.
        if (message is Terminated) return;
        Interlocked.Increment(ref _count);
        var letter = new DeadLetter(message, sender, recipient);
        lock (_lock)
        {
            _recent.Enqueue(letter);
            if (_recent.Count > Kept) _recent.Dequeue();
        }
        _system.EventStream.Publish(letter);
    }
}
