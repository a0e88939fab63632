using ActorGrad.Nodes;

namespace ActorGrad.Cli.Pictures;

/// <summary>
/// The seeds' exercise 6 on a drawn graph: the chain rule as a sum over the edges. Going from the root back to the
/// inputs, each node's adjoint d(root)/d(node) is the sum, over its outgoing edges, of the consumer's adjoint times
/// the edge's local derivative. For a graph of scalars; detached edges carry nothing.
/// </summary>
internal static class ChainRule
{
    public static double[] Adjoints(GraphView view)
    {
        var adjoints = new double[view.Nodes.Length];
        adjoints[^1] = 1; // the root: d f / d f
        // Nodes are in dependency order, so every consumer of a node comes after it: from the last edge back, a
        // consumer's adjoint is complete before it is passed on.
        foreach (var edge in view.Edges.OrderByDescending(e => e.To))
        {
            if (edge.Detached || edge.LocalGradient is not { Length: 1 } local) continue;
            adjoints[edge.From] += adjoints[edge.To] * local.ToArray()[0];
        }
        return adjoints;
    }
}
