using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes.Ops;
using ActorGrad.Protocol.Nodes;
using Akka.Actor;

namespace ActorGrad.Nodes.Graph;

/// <summary>
/// The create-graph pass (PyTorch's backward with create_graph=True): the recorder walks the graph
/// from the root in reverse topological order and applies each op's VJP rules with the
/// <see cref="VarAlgebra"/>, so every gradient is itself a recorded Var, a graph of node actors
/// that can be differentiated again. It runs on the recording thread because it records (a
/// session records from one thread at a time); the node actors of the gradient graph compute its
/// values with forward messages as any recorded op does. Nothing is freed: the gradient graph reads
/// the forward graph's values.
/// </summary>
internal static class RecordedBackward
{
    /// <summary>
    /// The gradients of <paramref name="root"/> (seeded with <paramref name="head"/>) at the
    /// <paramref name="targets"/>, or at every reachable leaf and retained non-leaf when null.
    /// Only nodes on a path to a target are visited. Targets no path reaches are absent.
    /// </summary>
    public static Dictionary<GraphNode, Var> Run(Session session, GraphNode root, Var head, IReadOnlySet<GraphNode>? targets)
    {
        var order = TopologicalOrder(root);
        var needed = Needed(order, targets);
        var algebra = new VarAlgebra(session);
        var pending = new Dictionary<GraphNode, Var> { [root] = head };
        var results = new Dictionary<GraphNode, Var>();
        // The root first, each node after all its consumers: its gradient is complete when reached.
        for (var k = order.Count - 1; k >= 0; k--)
        {
            var node = order[k];
            if (!needed.Contains(node) || !pending.Remove(node, out var grad)) continue;
            if (targets is null ? node.IsLeaf || node.RetainsGrad : targets.Contains(node)) results[node] = grad;
            if (node.IsLeaf) continue;
            Propagate(session, algebra, node, grad, needed, pending);
        }
        return results;
    }

    private static void Propagate(Session session, VarAlgebra algebra, GraphNode node, Var grad, HashSet<GraphNode> needed, Dictionary<GraphNode, Var> pending)
    {
        var saved = Saved(session, node);
        var inputs = new Var[node.Inputs.Length];
        for (var i = 0; i < inputs.Length; i++)
        {
            var shape = saved.Inputs[i].Shape;
            // An input with an edge is read through its node, so the gradient's graph connects to it;
            // a constant is the value the node kept.
            inputs[i] = node.Inputs[i] is { } input ? Var.Borrow(session, input, shape) : Var.Borrow(session, saved.Inputs[i]);
        }
        var args = new VjpArgs<Var>(grad, inputs, Var.Borrow(session, node, saved.Result.Shape), saved.Attributes);
        for (var i = 0; i < inputs.Length; i++)
        {
            if (node.Inputs[i] is not { } input || !needed.Contains(input)) continue;
            // Broadcasting is undone here, as in the tensor pass.
            var vjp = algebra.SumTo(saved.Op.Gradient.Vjp(algebra, i, args), inputs[i].Shape);
            pending[input] = pending.TryGetValue(input, out var sum) ? sum + vjp : vjp;
        }
    }

    /// <summary>Asks the node for its op and saved inputs, once its value is there (its failure, or the freed-graph error, otherwise).</summary>
    private static SavedInputs Saved(Session session, GraphNode node)
    {
        if (node.Slot.Freed) throw OpNode.GraphFreedError();
        if (node.Slot.Actor is not { } actor) throw OpNode.GraphFreedError();
        var timeout = session.Options.Timeout;
        if (node.Slot.Value is null)
        {
            var reply = ReplySlot.AskRaw(session.System, actor, new ToNode(node.Slot, Signals.ValueRequest), timeout);
            if (reply is Status.Failure failure)
                throw new InvalidOperationException($"Computing this value ({node.OpName}) failed: {failure.Cause.Message}", failure.Cause);
        }
        return ReplySlot.Ask<SavedInputs>(session.System, actor, new ToNode(node.Slot, SavedInputsRequest.Instance), timeout);
    }

    /// <summary>The nodes reachable from the root, each after all its inputs (a post-order).</summary>
    private static List<GraphNode> TopologicalOrder(GraphNode root)
    {
        var order = new List<GraphNode>();
        var seen = new HashSet<GraphNode> { root };
        // An explicit stack: graphs are deep (a long chain would overflow a recursive walk).
        var stack = new Stack<(GraphNode Node, int Next)>();
        stack.Push((root, 0));
        while (stack.TryPop(out var frame))
        {
            var (node, next) = frame;
            if (next < node.Inputs.Length)
            {
                stack.Push((node, next + 1));
                if (node.Inputs[next] is { } input && seen.Add(input)) stack.Push((input, 0));
            }
            else order.Add(node);
        }
        return order;
    }

    /// <summary>The nodes with a path to a target (all reachable nodes when there are no targets).</summary>
    private static HashSet<GraphNode> Needed(List<GraphNode> order, IReadOnlySet<GraphNode>? targets)
    {
        if (targets is null) return [.. order];
        var needed = new HashSet<GraphNode>();
        // Post-order: a node's inputs are decided before it.
        foreach (var node in order)
            if (targets.Contains(node) || node.Inputs.Any(input => input is not null && needed.Contains(input)))
                needed.Add(node);
        return needed;
    }

    /// <summary>
    /// Backward(createGraph: true): the gradients of the reachable leaves (and retained non-leaves)
    /// as recorded Vars, kept on their nodes (<see cref="GraphNode.GradVar"/>); each leaf also takes
    /// the value by its mode, with the same messages as a plain pass, so Grad reads it as usual.
    /// </summary>
    public static Task Backward(Session session, Var root, Tensor? head, bool implicitSum)
    {
        session.ThrowIfDisposed();
        session.DrainReleased();
        var rootNode = root.Node ?? throw BackwardPass.NothingRecordedError();
        var seed = Var.Constant(session, BackwardPass.Seed(root, head, implicitSum));
        var grads = Run(session, rootNode, seed, targets: null);
        var leaves = new List<(GraphNode Node, Tensor Value)>();
        foreach (var (node, grad) in grads)
        {
            var mode = node.IsLeaf ? node.LeafMode : GradReq.Add;
            if (mode == GradReq.Null) continue;
            // PyTorch's AccumulateGrad under create_graph: grad = old + new, out of place, recorded.
            var previous = mode == GradReq.Write ? null : node.GradVar ?? (Var.ReadGrad(session, node) is { } old ? Var.Constant(session, old) : null);
            node.GradVar = previous is null ? grad : previous + grad;
            if (node.IsLeaf) leaves.Add((node, grad.Value()));
        }
        var passId = session.NextPassId();
        var tracker = new PassTracker(passId, leaves.Count, ((ExtendedActorSystem)session.System).Provider);
        foreach (var (leaf, value) in leaves)
        {
            leaf.Actor.Tell(new PreparePass(passId, 1, RetainGraph: true), tracker);
            leaf.Actor.Tell(new Gradient(passId, value), tracker);
        }
        return tracker.Completion.WaitAsync(session.Options.Timeout);
    }
}
