using ActorGrad.Engine.Dispatch;

namespace ActorGrad.Nodes.Graph;

/// <summary>
/// Waiting for a task in the synchronous API (Backward, Dispose). From inside an actor on the
/// calling-thread dispatcher the node actors' runs are queued on this very thread: run them while
/// waiting, or the wait would never end.
/// </summary>
internal static class Blocking
{
    public static void Wait(Task task)
    {
        while (!task.IsCompleted && CallingThreadDispatcher.TryRunPending()) { }
        task.GetAwaiter().GetResult();
    }
}
