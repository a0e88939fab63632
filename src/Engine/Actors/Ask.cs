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

public static class AskExtensions
{
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
