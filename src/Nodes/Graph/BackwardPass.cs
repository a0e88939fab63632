using System.Runtime.InteropServices;
using ActorGrad.Engine.Tensors;
using ActorGrad.Protocol.Nodes;
using Akka.Actor;

namespace ActorGrad.Nodes.Graph;

/// <summary>
/// Starts one backward pass: counts, once, how many VJPs each node on the root's path will receive
/// (only edges from reachable consumers count; detached values have no edge), opens the pass at
/// each of those nodes, seeds the root, and waits for every reachable leaf to report.
/// </summary>
internal static class BackwardPass
{
    public static Task Run(Session session, Var root, Tensor? head, bool retainGraph, bool implicitSum)
    {
        session.ThrowIfDisposed();
        session.DrainReleased();
        var rootNode = root.Node ?? throw NothingRecordedError();
        // The seed must not overtake the root's forward: when the root is still computing (its
        // inputs' runs queued on this thread, or on another), wait for its value or its failure.
        var rootSlot = rootNode.Slot;
        if (rootSlot.Value is null && rootSlot.Failure is null && rootSlot.Actor is { } rootActor)
            ReplySlot.AskRaw(session.System, rootActor, new ToNode(rootSlot, Signals.ValueRequest), session.Options.Timeout);
        var seed = Seed(root, head, implicitSum);

        // The walk's containers are reused by the thread (a pass is counted before any message goes out).
        var scratch = _scratch is { InUse: false } free ? free : _scratch = new Scratch();
        scratch.InUse = true;
        var (counts, order, stack) = (scratch.Counts, scratch.Order, scratch.Stack);
        try
        {
            counts[rootNode] = 1;
            order.Add(rootNode);
            stack.Push(rootNode);
            while (stack.TryPop(out var node))
            {
                if (!node.IsLeaf && node.Slot.Freed)
                {
                    seed.Dispose();
                    throw OpNode.GraphFreedError();
                }
                // A plain pass adds a plain value: the gradient is no longer a recorded Var.
                node.GradVar = null;
                foreach (var input in node.Inputs)
                {
                    if (input is null) continue;
                    ref var c = ref CollectionsMarshal.GetValueRefOrAddDefault(counts, input, out var seen);
                    c++;
                    if (seen) continue;
                    order.Add(input);
                    stack.Push(input);
                }
            }

            var passId = session.NextPassId();
            var leaves = 0;
            foreach (var node in order) if (node.IsLeaf) leaves++;
            var tracker = new PassTracker(passId, leaves, ((ExtendedActorSystem)session.System).Provider);
            foreach (var node in order) node.Actor.Tell(new PreparePass(passId, counts[node], retainGraph), tracker);
            rootNode.Actor.Tell(new Gradient(passId, seed), tracker);
            var completion = tracker.Completion;
            if (completion.IsCompletedSuccessfully) return completion;
            return Completion(tracker, order.ToArray(), passId, session.Options.Timeout);
        }
        finally
        {
            counts.Clear();
            order.Clear();
            stack.Clear();
            scratch.InUse = false;
        }
    }

    [ThreadStatic] private static Scratch? _scratch;

    private sealed class Scratch
    {
        public readonly Dictionary<GraphNode, int> Counts = [];
        public readonly List<GraphNode> Order = [];
        public readonly Stack<GraphNode> Stack = new();
        public bool InUse;
    }

    internal static InvalidOperationException NothingRecordedError() => new(
        "element 0 of tensors does not require grad and does not have a grad_fn: nothing recorded leads to this value (call RequiresGrad() on a leaf first).");

    /// <summary>The head gradient (a copy the caller owns), ones for a scalar or with implicitSum, else the non-scalar error.</summary>
    internal static Tensor Seed(Var root, Tensor? head, bool implicitSum)
    {
        if (head is not null)
        {
            if (!head.ShapeEquals(root.Shape))
                throw new ArgumentException($"Backward: the gradient's shape {Shapes.Format(head.Shape)} does not match the output's shape {Shapes.Format(root.Shape)}.");
            return head.Clone();
        }
        if (root.Length == 1 || implicitSum) return Tensor.Ones(root.Shape);
        throw NonScalarError(root.Shape);
    }

    internal static InvalidOperationException NonScalarError(int[] shape) => new(
        $"grad can be implicitly created only for scalar outputs (this output has shape {Shapes.Format(shape)}): pass a gradient, or implicitSum: true for the gradient of its sum.");

    private static async Task Completion(PassTracker tracker, GraphNode[] nodes, long passId, TimeSpan timeout)
    {
        try
        {
            await tracker.Completion.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch
        {
            // Nodes still holding buffers for this pass drop them.
            foreach (var node in nodes)
                node.Slot.TellNode(new AbortPass(passId));
            throw;
        }
    }
}
