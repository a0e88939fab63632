using System.Collections.Concurrent;

namespace ActorGrad.Engine.Actors;

/// <summary>
/// One actor's queues and its scheduling flag. Runs one message at a time: system messages first
/// (also between user messages), then up to <c>throughput</c> user messages before yielding.
/// </summary>
internal sealed class Mailbox : IThreadPoolWorkItem
{
    private readonly ConcurrentQueue<Envelope> _user = new();
    // System messages are rare: a plain queue under a lock, created on first use, keeps spawning cheap.
    private readonly Lock _systemLock = new();
    private Queue<SystemMessage>? _system;
    private volatile int _systemCount;
    private int _scheduled;
    private volatile int _suspendCount;
    private volatile bool _closed;

    public Mailbox(MessageDispatcher dispatcher) => Dispatcher = dispatcher;

    public MessageDispatcher Dispatcher { get; }
    public ActorCell Cell { get; set; } = null!;
    public bool IsClosed => _closed;
    public bool IsSuspended => _suspendCount > 0;
    public int UserMessageCount => _user.Count;

    public void Post(in Envelope envelope)
    {
        _user.Enqueue(envelope);
        if (_closed) DrainToDeadLetters();
        else TrySchedule();
    }

    public void PostSystem(SystemMessage message)
    {
        lock (_systemLock)
        {
            (_system ??= new Queue<SystemMessage>()).Enqueue(message);
            _systemCount++;
        }
        TrySchedule();
    }

    public void Suspend() => Interlocked.Increment(ref _suspendCount);

    public void ResumeProcessing()
    {
        if (Interlocked.Decrement(ref _suspendCount) < 0) Interlocked.Exchange(ref _suspendCount, 0);
        TrySchedule();
    }

    /// <summary>No more processing; what is queued, and what arrives later, goes to dead letters.</summary>
    public void Close()
    {
        _closed = true;
        DrainToDeadLetters();
    }

    private void DrainToDeadLetters()
    {
        while (_user.TryDequeue(out var envelope)) Cell.System.DeadLetters.Deliver(envelope.Message, envelope.Sender, Cell.Self);
    }

    private bool HasWork => _systemCount > 0 || (!_closed && _suspendCount == 0 && !_user.IsEmpty);

    public void TrySchedule()
    {
        if (HasWork && Interlocked.CompareExchange(ref _scheduled, 1, 0) == 0) Dispatcher.Schedule(this);
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
        }
        finally
        {
            // Clear the flag with a full fence, then look again: a message posted between our last
            // dequeue and the clear would otherwise find the flag set and never be scheduled.
            Interlocked.Exchange(ref _scheduled, 0);
            TrySchedule();
        }
    }

    private void ProcessSystemMessages()
    {
        while (_systemCount > 0)
        {
            SystemMessage message;
            lock (_systemLock)
            {
                message = _system!.Dequeue();
                _systemCount--;
            }
            Cell.SystemInvoke(message);
        }
    }
}
