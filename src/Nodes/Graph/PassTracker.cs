using Akka.Actor;
using ActorGrad.Protocol.Nodes;

namespace ActorGrad.Nodes.Graph;

/// <summary>
/// The reply address of one backward pass (PyTorch's GraphTask): it completes when every reachable
/// leaf has reported, and fails with the first node failure. Like an Ask's promise it needs no
/// mailbox: counting is one interlocked decrement.
/// </summary>
internal sealed class PassTracker : MinimalActorRef
{
    private static readonly ActorPath Root = new RootActorPath(Address.AllSystems) / "pass";
    // The outcome: null while running, Succeeded, or the failure. The task is made only for a caller
    // that finds the pass still running (on the calling-thread dispatcher it has usually finished).
    private static readonly object Succeeded = new();
    private object? _outcome;
    private TaskCompletionSource? _done;
    private ActorPath? _path;
    private int _remaining;

    public PassTracker(long passId, int leaves, IActorRefProvider provider)
    {
        Provider = provider;
        PassId = passId;
        _remaining = leaves;
        if (leaves == 0) _outcome = Succeeded;
    }

    public long PassId { get; }

    /// <summary>Completes when every reachable leaf has reported (fails with the first failure).</summary>
    public Task Completion
    {
        get
        {
            lock (this)
            {
                if (_done is null)
                {
                    if (_outcome == Succeeded) return Task.CompletedTask;
                    _done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    if (_outcome is Exception e) _done.TrySetException(e);
                }
                return _done.Task;
            }
        }
    }

    public override ActorPath Path => _path ??= Root / ("$" + PassId);
    public override IActorRefProvider Provider { get; }
    public override bool IsTerminated => Volatile.Read(ref _outcome) is not null;

    protected override void TellInternal(object message, IActorRef sender)
    {
        switch (message)
        {
            case LeafReported r when r.PassId == PassId:
                if (Interlocked.Decrement(ref _remaining) == 0) Complete(Succeeded);
                break;
            case PassFailed f when f.PassId == PassId:
                Complete(f.Cause);
                break;
            case Status.Failure f:
                Complete(f.Cause);
                break;
        }
    }

    private void Complete(object outcome)
    {
        TaskCompletionSource? done;
        lock (this)
        {
            if (_outcome is not null) return;
            _outcome = outcome;
            done = _done;
        }
        if (done is null) return;
        if (outcome is Exception e) done.TrySetException(e);
        else done.TrySetResult();
    }
}
