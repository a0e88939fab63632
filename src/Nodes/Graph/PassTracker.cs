using ActorGrad.Engine.Actors;
using ActorGrad.Protocol.Nodes;

namespace ActorGrad.Nodes.Graph;

/// <summary>
/// The reply address of one backward pass (PyTorch's GraphTask): it completes when every reachable
/// leaf has reported, and fails with the first node failure. Like an Ask's promise it needs no
/// mailbox: counting is one interlocked decrement.
/// </summary>
internal sealed class PassTracker : InternalActorRef
{
    private static readonly ActorPath Root = ActorPath.Root(new ActorAddress("pass"));
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _remaining;

    public PassTracker(long passId, int leaves)
    {
        PassId = passId;
        _remaining = leaves;
        Path = Root.Child("$" + passId, passId);
        if (leaves == 0) _done.TrySetResult();
    }

    public long PassId { get; }
    public Task Completion => _done.Task;
    public override ActorPath Path { get; }
    public override bool IsTerminated => _done.Task.IsCompleted;

    public override void SendUserMessage(object message, IActorRef? sender)
    {
        switch (message)
        {
            case LeafReported r when r.PassId == PassId:
                if (Interlocked.Decrement(ref _remaining) == 0) _done.TrySetResult();
                break;
            case PassFailed f when f.PassId == PassId:
                _done.TrySetException(f.Cause);
                break;
            case Status.Failure f:
                _done.TrySetException(f.Cause);
                break;
        }
    }

    // A tracker is not an actor anyone watches or supervises.
    public override void SendSystemMessage(SystemMessage message) { }
}
