namespace ActorGrad.Engine.Actors;

/// <summary>Decides which thread runs a mailbox that has work.</summary>
public abstract class MessageDispatcher
{
    protected MessageDispatcher(string name, int throughput)
    {
        if (throughput < 1) throw new ArgumentOutOfRangeException(nameof(throughput), "Throughput must be at least 1.");
        Name = name;
        Throughput = throughput;
    }

    public string Name { get; }

    /// <summary>User messages one run of a mailbox processes before giving the thread back.</summary>
    public int Throughput { get; }

    /// <summary>Runs <paramref name="mailbox"/> soon; with <paramref name="behindOthers"/>, only after the work already waiting.</summary>
    internal abstract void Schedule(Mailbox mailbox, bool behindOthers);
}

/// <summary>The default: mailboxes run on the .NET thread pool, with no allocation per schedule.</summary>
public sealed class ThreadPoolDispatcher(int throughput = 30) : MessageDispatcher("thread-pool", throughput)
{
    // A newly runnable mailbox goes to this worker's local queue: taken next, while its message is still
    // in cache (the other workers steal from it). A worker drains its local queue before it looks at
    // the global one, so the mailbox goes global instead when it has just run (it used up its batch) and
    // on every 16th schedule: actors that keep each other busy cannot starve timers and I/O.
    internal override void Schedule(Mailbox mailbox, bool behindOthers) => ThreadPool.UnsafeQueueUserWorkItem(mailbox, preferLocal: !behindOthers);
}

/// <summary>
/// Caller-runs: the thread that makes an idle mailbox runnable runs it, right away. Mailboxes made
/// runnable while that thread is running one are queued on a thread-local run queue and drained by
/// the outermost run, so a cascade of messages becomes a loop, never recursion.
/// Why: a user thread that sends to a graph of actors and asks for a result finds the reply
/// already there, with no thread hand-off or wake-up (microseconds each). The trade-off: an actor on
/// this dispatcher must not block waiting for another actor on it (it would wait for itself), and
/// the sending thread pays for the work. Per-actor semantics (one message at a time, system
/// messages first) are those of every mailbox.
/// </summary>
public sealed class CallingThreadDispatcher(int throughput = 1000) : MessageDispatcher("calling-thread", throughput)
{
    // One thread-static object (each thread-static access is a TLS lookup; its fields are plain memory).
    private sealed class DrainState
    {
        public readonly Queue<Mailbox> RunQueue = new();
        public bool Draining;
    }

    [ThreadStatic] private static DrainState? _state;

    internal override void Schedule(Mailbox mailbox, bool behindOthers)
    {
        var state = _state ??= new DrainState();
        if (state.Draining)
        {
            state.RunQueue.Enqueue(mailbox);
            return;
        }
        state.Draining = true;
        var queue = state.RunQueue;
        try
        {
            mailbox.Run();
            while (queue.TryDequeue(out var next)) next.Run();
        }
        finally
        {
            state.Draining = false;
            // Only reached with work left if a run threw: hand the rest to the pool rather than strand it.
            while (queue.TryDequeue(out var left)) ThreadPool.UnsafeQueueUserWorkItem(left, preferLocal: false);
        }
    }
}

public static class Dispatchers
{
    public static readonly MessageDispatcher Default = new ThreadPoolDispatcher();
    public static readonly MessageDispatcher CallingThread = new CallingThreadDispatcher();
}
