namespace ActorGrad.Engine.Actors;

public sealed class AskTimeoutException(string message) : TimeoutException(message);

/// <summary>
/// The temporary reply address of one Ask: the first message it receives completes the task.
/// It has no mailbox and no registry entry, so an Ask costs one small object.
/// </summary>
internal sealed class PromiseActorRef : InternalActorRef
{
    private static readonly ActorPath TempRoot = ActorPath.Root(new ActorAddress("temp"));
    private static long _counter;
    private readonly TaskCompletionSource<object?> _promise = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ActorPath? _path;

    public Task<object?> Task => _promise.Task;
    public override ActorPath Path => _path ??= TempRoot.Child("$ask" + Interlocked.Increment(ref _counter));
    public override bool IsTerminated => _promise.Task.IsCompleted;

    public override void SendUserMessage(object message, IActorRef? sender)
    {
        switch (message)
        {
            case Status.Failure f: _promise.TrySetException(f.Cause); break;
            case Status.Success s: _promise.TrySetResult(s.Value); break;
            default: _promise.TrySetResult(message); break;
        }
    }

    public override void SendSystemMessage(SystemMessage message)
    {
        if (message is Watch w) w.Watcher.SendSystemMessage(new DeathWatchNotification(this, false, false));
    }

    public void Fail(Exception e) => _promise.TrySetException(e);
}

/// <summary>
/// The reply address of a blocking Ask (<see cref="AskExtensions.AskAndWait{T}"/>). When the reply comes
/// during the Tell (an actor on the calling-thread dispatcher) it is kept in a field and read at once;
/// a wait handle is made only when the caller has to wait for another thread.
/// </summary>
internal sealed class WaitingReplyRef : InternalActorRef
{
    private static readonly ActorPath TempRoot = ActorPath.Root(new ActorAddress("temp"));
    private static long _counter;
    private object? _reply;
    private Exception? _failure;
    private volatile bool _done;
    private ManualResetEventSlim? _signal;
    private ActorPath? _path;

    public override ActorPath Path => _path ??= TempRoot.Child("$ask" + Interlocked.Increment(ref _counter));
    public override bool IsTerminated => _done;

    public override void SendUserMessage(object message, IActorRef? sender)
    {
        switch (message)
        {
            case Status.Failure f: Complete(null, f.Cause); break;
            case Status.Success s: Complete(s.Value, null); break;
            default: Complete(message, null); break;
        }
    }

    public override void SendSystemMessage(SystemMessage message)
    {
        if (message is Watch w) w.Watcher.SendSystemMessage(new DeathWatchNotification(this, false, false));
    }

    private void Complete(object? reply, Exception? failure)
    {
        ManualResetEventSlim? signal;
        lock (this)
        {
            if (_done) return;
            (_reply, _failure) = (reply, failure);
            _done = true;
            signal = _signal;
        }
        signal?.Set();
    }

    /// <summary>The reply, waiting up to <paramref name="timeout"/> for it; throws a failure reply's cause.</summary>
    public object? Wait(TimeSpan timeout, IActorRef recipient, object message)
    {
        if (!_done)
        {
            ManualResetEventSlim signal;
            lock (this)
            {
                if (_done) goto done;
                signal = _signal = new ManualResetEventSlim(false);
            }
            // Not disposed: a reply racing the timeout may still set it.
            if (!signal.Wait(timeout))
                Complete(null, new AskTimeoutException($"Ask to {recipient.Path} with {message.GetType().Name} timed out after {timeout.TotalMilliseconds:0} ms."));
        }
    done:
        if (_failure is { } failure) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        return _reply;
    }
}

public static class AskExtensions
{
    /// <summary>
    /// Sends <paramref name="message"/> and blocks until the reply comes: the same outcomes as
    /// <c>Ask&lt;T&gt;(...).GetAwaiter().GetResult()</c>, without a task. A reply sent during the Tell
    /// (an actor on the calling-thread dispatcher) costs no wait handle and no task at all.
    /// </summary>
    public static T AskAndWait<T>(this IActorRef recipient, object message, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        ArgumentNullException.ThrowIfNull(message);
        var reply = new WaitingReplyRef();
        recipient.Tell(message, reply);
        return Cast<T>(reply.Wait(timeout ?? DefaultTimeout(recipient), recipient, message), recipient, message);
    }

    /// <summary>
    /// Sends <paramref name="message"/> and returns a task for the reply. The task fails with
    /// <see cref="AskTimeoutException"/> after the timeout, with the cause of a Status.Failure reply,
    /// and with InvalidCastException when the reply is not a <typeparamref name="T"/>.
    /// </summary>
    public static Task<T> Ask<T>(this IActorRef recipient, object message, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        ArgumentNullException.ThrowIfNull(message);
        var promise = new PromiseActorRef();
        recipient.Tell(message, promise);
        var task = promise.Task;
        if (task.IsCompletedSuccessfully) return Task.FromResult(Cast<T>(task.Result, recipient, message));
        if (!task.IsCompleted)
        {
            var limit = timeout ?? DefaultTimeout(recipient);
            if (limit != Timeout.InfiniteTimeSpan)
            {
                var timer = new Timer(_ => promise.Fail(new AskTimeoutException(
                    $"Ask to {recipient.Path} with {message.GetType().Name} timed out after {limit.TotalMilliseconds:0} ms.")), null, limit, Timeout.InfiniteTimeSpan);
                task.ContinueWith(_ => timer.Dispose(), TaskScheduler.Default);
            }
            if (cancellationToken.CanBeCanceled)
            {
                var registration = cancellationToken.Register(() => promise.Fail(new OperationCanceledException(cancellationToken)));
                task.ContinueWith(_ => registration.Dispose(), TaskScheduler.Default);
            }
        }
        return Awaited<T>(task, recipient, message);
    }

    private static TimeSpan DefaultTimeout(IActorRef recipient) =>
        recipient is LocalActorRef l ? l.Cell.System.Settings.DefaultAskTimeout : TimeSpan.FromSeconds(30);

    private static async Task<T> Awaited<T>(Task<object?> task, IActorRef recipient, object message) =>
        Cast<T>(await task.ConfigureAwait(false), recipient, message);

    private static T Cast<T>(object? reply, IActorRef recipient, object message) => reply is T value
        ? value
        : throw new InvalidCastException($"Ask to {recipient.Path} with {message.GetType().Name} expected a {typeof(T).Name} reply but got {(reply is null ? "null" : reply.GetType().Name)}.");
}

public static class PipeToExtensions
{
    /// <summary>Tells the task's result (or Status.Failure with its exception) to <paramref name="recipient"/> when it completes.</summary>
    public static Task PipeTo<T>(this Task<T> task, IActorRef recipient, IActorRef? sender = null,
        Func<T, object>? success = null, Func<Exception, object>? failure = null)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        return task.ContinueWith(t =>
        {
            if (t.IsCompletedSuccessfully) recipient.Tell(success is null ? t.Result! : success(t.Result), sender);
            else
            {
                var cause = t.IsCanceled ? new TaskCanceledException(t) : t.Exception!.GetBaseException();
                recipient.Tell(failure is null ? new Status.Failure(cause) : failure(cause), sender);
            }
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }
}
