using Akka.Dispatch;

namespace ActorGrad.Engine.Dispatch;

/// <summary>
/// Runs a mailbox on the thread that scheduled it, so a message told from the recording thread is
/// processed before Tell returns. A mailbox scheduled while this thread already runs one (an actor
/// telling another) joins a thread-static queue that the outermost call drains: a chain of any
/// length costs a queue entry per hop, never a stack frame per hop.
/// </summary>
/// <remarks>
/// Two threads may schedule the same mailbox at once: Akka's mailbox status (SetAsScheduled) lets
/// only one of them run it, so an actor still sees one message at a time, in order.
/// </remarks>
public sealed class CallingThreadDispatcher : MessageDispatcher
{
    // One thread-static object for the queue and the flag: each thread-static access is a lookup
    // (a __tls_get_addr call on Linux), and every Tell to an actor here makes one.
    [ThreadStatic] private static DrainState? _state;

    private sealed class DrainState
    {
        public readonly Queue<IRunnable> Pending = new();
        public bool Draining;
    }

    private static DrainState State => _state ??= new DrainState();

    public CallingThreadDispatcher(MessageDispatcherConfigurator configurator, string id) : base(configurator)
    {
        Id = id;
        // A mailbox gives the thread back after this many messages; the queue then runs the others
        // before coming back to it, so one busy actor does not starve the rest of the graph.
        Throughput = 100;
        ShutdownTimeout = TimeSpan.FromSeconds(1);
    }

    /// <summary>True while this thread drains scheduled mailboxes (an actor is running here).</summary>
    public static bool IsDraining => _state is { Draining: true };

    protected override void ExecuteTask(IRunnable run)
    {
        var state = State;
        if (state.Draining)
        {
            state.Pending.Enqueue(run);
            return;
        }
        Drain(state, run);
    }

    private void Drain(DrainState state, IRunnable first)
    {
        state.Draining = true;
        var pending = state.Pending;
        try
        {
            var next = first;
            while (true)
            {
                try
                {
                    next.Run();
                }
                catch (Exception e)
                {
                    // A mailbox run hands actor failures to supervision itself; anything that still
                    // escapes must not strand the mailboxes queued behind it.
                    ReportFailure(e);
                }
                if (!pending.TryDequeue(out next!)) break;
            }
        }
        finally
        {
            state.Draining = false;
        }
    }

    /// <summary>
    /// Runs one mailbox queued on this thread, if any: for a blocking wait inside an actor on this
    /// dispatcher (a Session used from an actor), whose reply may sit in this very queue.
    /// </summary>
    public static bool TryRunPending()
    {
        if (_state is not { Draining: true } state || !state.Pending.TryDequeue(out var next)) return false;
        next.Run();
        return true;
    }

    // Nothing to release: the dispatcher owns no threads.
    protected override void Shutdown() { }
}
