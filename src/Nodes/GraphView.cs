using System.Collections.Immutable;
using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes.Graph;
using ActorGrad.Nodes.Ops;
using ActorGrad.Protocol.Nodes;

namespace ActorGrad.Nodes;

/// <summary>What a box of a drawn graph stands for.</summary>
public enum GraphViewKind
{
    /// <summary>A leaf actor: a value that takes gradients (a parameter).</summary>
    Leaf,
    /// <summary>The node actor of a recorded op.</summary>
    Op,
    /// <summary>A constant input (no actor: its value travels with the op that reads it).</summary>
    Constant,
    /// <summary>A data input of a graph spec (a constant fed per batch).</summary>
    Data,
    /// <summary>A node that a detach cut off and that is gone since (nobody holds it any more).</summary>
    Gone,
}

/// <summary>One box: a node, its op (or "leaf", "constant"), its shape, an optional name and, when asked for, its value.</summary>
public sealed record GraphViewNode(int Id, GraphViewKind Kind, string Op, ImmutableArray<int> Shape, string? Name = null, Tensor? Value = null);

/// <summary>
/// One forward edge: <see cref="From"/> feeds input slot <see cref="Slot"/> of <see cref="To"/>. A detached edge carries the
/// value but no gradient. <see cref="LocalGradient"/>, when asked for, is the op's VJP of a head gradient of ones
/// for this input: for scalars, the local derivative d(To)/d(From), the chain rule's term on this edge.
/// </summary>
public sealed record GraphViewEdge(int From, int To, int Slot, bool Detached, Tensor? LocalGradient = null);

/// <summary>
/// A read-only picture of the graph recorded behind a Var: one node per node actor (and per constant input), forward
/// edges, and detach cuts as detached edges. Nodes are in dependency order (inputs before their consumers; the root last).
/// </summary>
public sealed record GraphView(ImmutableArray<GraphViewNode> Nodes, ImmutableArray<GraphViewEdge> Edges)
{
    /// <summary>
    /// The graph behind <paramref name="root"/>. With <paramref name="withGradients"/>, each node carries its value and
    /// each edge its local gradient (read from the nodes: the graph must still hold its values).
    /// </summary>
    public static GraphView Of(Var root, bool withGradients = false)
    {
        ArgumentNullException.ThrowIfNull(root);
        root.Session.ThrowIfDisposed();
        var builder = new Builder(root.Session, withGradients);
        if (root.Node is { } node) builder.Visit(node);
        else builder.AddConstant(root.ReadValue(), root.DetachedFrom);
        return new GraphView([.. builder.Nodes], [.. builder.Edges]);
    }

    private sealed class Builder(Session session, bool withGradients)
    {
        private readonly Dictionary<GraphNode, int> _ids = new(ReferenceEqualityComparer.Instance);
        // One box per constant tensor: `x + 1f` in a loop reuses the session's one constant 1.
        private readonly Dictionary<Tensor, int> _constants = new(ReferenceEqualityComparer.Instance);
        public readonly List<GraphViewNode> Nodes = [];
        public readonly List<GraphViewEdge> Edges = [];

        /// <summary>Depth first with an explicit stack: a chain of thousands of ops must not overflow the thread's stack.</summary>
        public int Visit(GraphNode root)
        {
            var stack = new Stack<(GraphNode Node, bool InputsDone)>();
            stack.Push((root, false));
            while (stack.Count > 0)
            {
                var (node, inputsDone) = stack.Pop();
                if (_ids.ContainsKey(node)) continue;
                if (!inputsDone)
                {
                    stack.Push((node, true));
                    for (var i = node.Inputs.Length - 1; i >= 0; i--)
                    {
                        if (node.Inputs[i] is { } input && !_ids.ContainsKey(input)) stack.Push((input, false));
                        else if (Cut(node, i) is { } cut && !_ids.ContainsKey(cut)) stack.Push((cut, false));
                    }
                    continue;
                }
                Add(node);
            }
            return _ids[root];
        }

        private static GraphNode? Cut(GraphNode node, int slot) =>
            node.Cuts?[slot] is { } weak && weak.TryGetTarget(out var source) ? source : null;

        private void Add(GraphNode node)
        {
            // Constant inputs first, so that every edge runs from a smaller id to a larger one.
            var sources = new (int From, bool Detached)?[node.Inputs.Length];
            for (var i = 0; i < sources.Length; i++)
            {
                if (node.Inputs[i] is { } input) sources[i] = (_ids[input], false);
                else if (node.NodeInputs[i].KnownValue is { } constant)
                {
                    var detached = node.Cuts?[i] is not null;
                    sources[i] = (Cut(node, i) is { } source ? _ids[source]
                        : detached ? AddGone(constant.Shape) : AddConstant(constant, null), detached);
                }
            }
            var value = withGradients ? ValueOf(node) : null;
            var id = Nodes.Count;
            Nodes.Add(new GraphViewNode(id, node.IsLeaf ? GraphViewKind.Leaf : GraphViewKind.Op, node.OpName, [.. node.Shape], Value: value?.Clone()));
            _ids[node] = id;
            for (var i = 0; i < sources.Length; i++)
            {
                if (sources[i] is not { } source) continue; // unreachable: every input is a node or a constant
                var (from, detached) = source;
                // Only an edge from a node carries a gradient: a constant takes none.
                Edges.Add(new GraphViewEdge(from, id, i, detached, withGradients && node.Inputs[i] is not null ? LocalGradient(node, i) : null));
            }
        }

        /// <summary>A constant box (scalars show their value); a detached root also shows the cut from where it came.</summary>
        public int AddConstant(Tensor value, WeakReference<GraphNode>? detachedFrom)
        {
            if (_constants.TryGetValue(value, out var known)) return known;
            int? source = detachedFrom is not null && detachedFrom.TryGetTarget(out var node) ? Visit(node) : null;
            var id = Nodes.Count;
            Nodes.Add(new GraphViewNode(id, GraphViewKind.Constant, "constant", [.. value.Shape], Value: value.Length == 1 || withGradients ? value.Clone() : null));
            if (source is { } from) Edges.Add(new GraphViewEdge(from, id, 0, Detached: true));
            return _constants[value] = id;
        }

        private int AddGone(int[] shape)
        {
            Nodes.Add(new GraphViewNode(Nodes.Count, GraphViewKind.Gone, "detached", [.. shape]));
            return Nodes.Count - 1;
        }

        /// <summary>The op's VJP rule for input <paramref name="slot"/> on a head gradient of ones, summed back to the input's shape.</summary>
        private Tensor LocalGradient(GraphNode node, int slot)
        {
            var inputs = new Tensor[node.Inputs.Length];
            for (var i = 0; i < inputs.Length; i++)
                inputs[i] = node.Inputs[i] is { } input ? ValueOf(input) : node.NodeInputs[i].KnownValue!;
            var result = ValueOf(node);
            var algebra = TensorAlgebra.Rent();
            try
            {
                using var ones = Tensor.Ones(result.Shape);
                var vjp = node.Op!.Gradient.Vjp(algebra, slot, new VjpArgs<Tensor>(ones, inputs, result, node.Attributes));
                if (!vjp.ShapeEquals(inputs[slot].Shape)) vjp = algebra.SumTo(vjp, inputs[slot].Shape);
                return vjp.Clone();
            }
            finally
            {
                TensorAlgebra.Return(algebra);
            }
        }

        /// <summary>A node's value as Var reads it: published in its slot, else asked of its actor.</summary>
        private Tensor ValueOf(GraphNode node)
        {
            // A node that ended after its handle went gave its value's storage back: nothing left to read.
            if (node.Slot.ActorStopped && !node.Slot.NodeStopped)
                throw new InvalidOperationException($"The value of a {node.OpName} node is gone: its node ended after a backward pass freed the graph. Draw with gradients before Backward(), or pass retainGraph: true.");
            if (node.Slot.Value is { } ready) return ready;
            if (node.Slot.Failure is { } failure) throw new InvalidOperationException($"Computing this value ({node.OpName}) failed: {failure.Message}", failure);
            if (node.Slot.Actor is not { } actor) throw new InvalidOperationException($"The value of a {node.OpName} node is gone: its node ended.");
            return Tensor.From(ReplySlot.Ask<ValueReply>(session.System, actor, new ToNode(node.Slot, Signals.ValueRequest), session.Options.Timeout).Value);
        }
    }
}
