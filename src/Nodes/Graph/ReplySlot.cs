using System.Runtime.ExceptionServices;
using ActorGrad.Engine.Dispatch;
using Akka.Actor;

namespace ActorGrad.Nodes.Graph;

/// <summary>
/// The reply address of a blocking read (Var.Grad, a value still being computed): like Akka's
/// PromiseActorRef it has no mailbox, but it needs no task. On the calling-thread dispatcher the
/// reply usually arrives during the Tell and is read from a field; a wait handle is made only when
/// the caller has to wait for another thread.
/// </summary>
internal sealed class ReplySlot(IActorRefProvider provider) : MinimalActorRef
{
    private static readonly ActorPath TempRoot = new RootActorPath(Address.AllSystems) / "temp";
    private static long _counter;
    private object? _reply;
    private ManualResetEventSlim? _signal;
    private ActorPath? _path;

    public override ActorPath Path => _path ??= TempRoot / ("$read" + Interlocked.Increment(ref _counter));
    public override IActorRefProvider Provider { get; } = provider;
    public override bool IsTerminated => Volatile.Read(ref _reply) is not null;

    /// <summary>Tells <paramref name="recipient"/> the message and blocks until its reply (throws a Status.Failure's cause).</summary>
    public static T Ask<T>(ActorSystem system, IActorRef recipient, object message, TimeSpan timeout)
    {
        var reply = AskRaw(system, recipient, message, timeout);
        if (reply is Status.Failure failure) ExceptionDispatchInfo.Throw(failure.Cause);
        return reply is T typed ? typed
            : throw new InvalidCastException($"Ask to {recipient.Path} with {message.GetType().Name} expected a {typeof(T).Name} reply but got {reply.GetType().Name}.");
    }

    /// <summary>Tells <paramref name="recipient"/> the message and blocks until its reply, whatever it is (a Status.Failure too).</summary>
    public static object AskRaw(ActorSystem system, IActorRef recipient, object message, TimeSpan timeout)
    {
        var slot = new ReplySlot(((ExtendedActorSystem)system).Provider);
        recipient.Tell(message, slot);
        return slot.Wait(timeout, recipient, message);
    }

    protected override void TellInternal(object message, IActorRef sender)
    {
        ManualResetEventSlim? signal;
        lock (this)
        {
            if (_reply is not null) return;
            _reply = message;
            signal = _signal;
        }
        signal?.Set();
    }

    private object Wait(TimeSpan timeout, IActorRef recipient, object message)
    {
        // Asked from inside an actor on the calling-thread dispatcher: the recipient's run may be
        // queued behind the asker on this thread, so run the queue here rather than block on it.
        while (Volatile.Read(ref _reply) is null && CallingThreadDispatcher.TryRunPending()) { }
        ManualResetEventSlim signal;
        lock (this)
        {
            if (_reply is { } ready) return ready;
            signal = _signal = new ManualResetEventSlim(false);
        }
        if (!signal.Wait(timeout))
            throw new AskTimeoutException($"Ask to {recipient.Path} with {message.GetType().Name} timed out after {timeout.TotalMilliseconds:0} ms.");
        signal.Dispose();
        return _reply!;
    }
}
