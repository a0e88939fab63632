namespace ActorGrad.Engine.Actors;

/// <summary>
/// One actor's queues and its scheduling flag. Runs one message at a time: system messages first
/// (also between user messages), then up to <c>throughput</c> user messages before yielding.
/// Only <see cref="Run"/> dequeues, and only one thread runs it at a time (the scheduled flag).
/// The actor's cell is its mailbox (a subclass): one object less per actor.
/// </summary>
internal abstract class Mailbox : IThreadPoolWorkItem
{
    private MpscQueue<Envelope> _user; // inline: not readonly, never copied
    private MpscQueue<SystemMessage> _system;
    private int _scheduled;
    private int _schedules;
    private volatile int _suspendCount;
    private volatile bool _closed;

    protected Mailbox(MessageDispatcher dispatcher) => Dispatcher = dispatcher;

    public MessageDispatcher Dispatcher { get; }
    private ActorCell Cell => System.Runtime.CompilerServices.Unsafe.As<ActorCell>(this);
    public bool IsClosed => _closed;

    public void Post(in Envelope envelope)
    {
        _user.Enqueue(envelope);
        TrySchedule();
    }

    public void PostSystem(SystemMessage message)
    {
        _system.Enqueue(message);
        TrySchedule();
    }

    public void Suspend() => Interlocked.Increment(ref _suspendCount);

    public void ResumeProcessing()
    {
        if (Interlocked.Decrement(ref _suspendCount) < 0) Interlocked.Exchange(ref _suspendCount, 0);
        TrySchedule();
    }

    /// <summary>No more processing: what is queued, and whatever arrives later, goes to dead letters (by Run).</summary>
    public void Close() => _closed = true;

    // After close, user messages are still "work": Run turns them into dead letters.
    private bool HasWork => !_system.IsEmpty || (!_user.IsEmpty && (_closed || _suspendCount == 0));

    public void TrySchedule() => TrySchedule(justRan: false);

    private void TrySchedule(bool justRan)
    {
        // Only the thread that wins the flag counts: no two threads touch _schedules at once.
        if (HasWork && Interlocked.CompareExchange(ref _scheduled, 1, 0) == 0)
            Dispatcher.Schedule(this, behindOthers: justRan || (++_schedules & 15) == 0);
    }

    public void Execute() => Run();

    public void Run()
    {
        try
        {
            ProcessSystemMessages();
            var left = Dispatcher.Throughput;
            while (left-- > 0 && !_closed && _suspendCount == 0 && _user.TryDequeue(out var envelope))
            {
                Cell.Invoke(envelope);
                ProcessSystemMessages();
            }
            if (_closed) DrainToDeadLetters();
        }
        finally
        {
            // Clear the flag with a full fence, then look again: a message posted between our last
            // dequeue and the clear would otherwise find the flag set and never be scheduled.
            Interlocked.Exchange(ref _scheduled, 0);
            TrySchedule(justRan: true);
        }
    }

    private void ProcessSystemMessages()
    {
        while (_system.TryDequeue(out var message)) Cell.SystemInvoke(message);
    }

    private void DrainToDeadLetters()
    {
        while (_user.TryDequeue(out var envelope)) Cell.System.DeadLetters.Deliver(envelope.Message, envelope.Sender, Cell.Self);
    }
}
