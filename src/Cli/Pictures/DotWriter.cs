using System.Globalization;
using System.Text;
using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes;

namespace ActorGrad.Cli.Pictures;

/// <summary>What a drawing adds to the graph itself: a title, names of inputs, how shapes read, the chain rule's adjoints.</summary>
internal sealed record DotLabels(string Title)
{
    /// <summary>Names of boxes by node id (inputs, parameters), shown instead of "leaf".</summary>
    public IReadOnlyDictionary<int, string> Names { get; init; } = new Dictionary<int, string>();
    /// <summary>How a node's shape reads (say, with the batch axis as B); by default its sizes.</summary>
    public Func<GraphViewNode, string> Shape { get; init; } = node => DotWriter.FormatShape(node.Shape);
    /// <summary>Per node id, d(root)/d(node) by the chain rule over the drawn edges, for a graph drawn with gradients.</summary>
    public IReadOnlyList<double>? Adjoints { get; init; }
    /// <summary>The output's node (drawn with a double border); by default the last, as GraphView orders them.</summary>
    public int? Root { get; init; }
}

/// <summary>
/// A <see cref="GraphView"/> as Graphviz DOT: one box per node actor with its op and shape (leaves by name, the root with
/// a double border), constants as plain ellipses, forward edges as arrows, detach cuts as dashed red edges labelled
/// "detach". Edges with a local gradient carry it as their label: the chain rule's term on that edge.
/// </summary>
internal static class DotWriter
{
    public static string Write(GraphView view, DotLabels labels)
    {
        var dot = new StringBuilder();
        dot.Append("digraph actorgrad {\n");
        dot.Append("  rankdir=LR;\n");
        dot.Append($"  label={Quote(labels.Title)}; labelloc=t; fontname=\"DejaVu Sans\";\n");
        dot.Append("  node [fontname=\"DejaVu Sans\"]; edge [fontname=\"DejaVu Sans\", fontsize=10];\n");
        var root = labels.Root ?? view.Nodes.Length - 1;
        foreach (var node in view.Nodes)
        {
            var text = new List<string> { labels.Names.TryGetValue(node.Id, out var name) ? name : node.Op };
            if (node.Kind is GraphViewKind.Leaf or GraphViewKind.Data && name is not null) text[0] = $"{name} ({node.Kind.ToString().ToLowerInvariant()})";
            if (node.Kind == GraphViewKind.Constant && node.Value is { Length: 1 } scalar) text[0] = Format(scalar.Item());
            else text.Add(labels.Shape(node));
            if (node.Kind != GraphViewKind.Constant && node.Value is { } value) text.Add($"= {FormatTensor(value)}");
            if (labels.Adjoints is { } adjoints && node.Kind is GraphViewKind.Leaf or GraphViewKind.Op) text.Add($"∂f/∂v = {Format(adjoints[node.Id])}");
            var style = node.Kind switch
            {
                GraphViewKind.Constant => "shape=ellipse, style=dashed",
                GraphViewKind.Data => "shape=ellipse",
                GraphViewKind.Gone => "shape=box, style=dotted",
                GraphViewKind.Leaf => "shape=box, style=\"rounded,filled\", fillcolor=\"#dbe9f6\"",
                _ => node.Id == root ? "shape=box, peripheries=2" : "shape=box",
            };
            dot.Append($"  n{node.Id} [label={Quote(string.Join("\n", text))}, {style}];\n");
        }
        foreach (var edge in view.Edges)
        {
            var attributes = new List<string>();
            if (edge.Detached) attributes.AddRange(["style=dashed", "color=red", "fontcolor=red", "arrowhead=tee", "label=\"detach\""]);
            else if (edge.LocalGradient is { } local) attributes.Add($"label={Quote($"∂ {FormatTensor(local)}")}");
            if (view.Nodes[edge.To].Op is "sub" or "div" or "pow" or "matmul") attributes.Add($"taillabel=\"{edge.Slot}\"");
            dot.Append($"  n{edge.From} -> n{edge.To}{(attributes.Count == 0 ? "" : $" [{string.Join(", ", attributes)}]")};\n");
        }
        dot.Append("}\n");
        return dot.ToString();
    }

    public static string FormatShape(IReadOnlyList<int> shape) => shape.Count == 0 ? "scalar" : $"[{string.Join(", ", shape)}]";

    /// <summary>A scalar as a number, a short vector in full, anything larger by its shape only.</summary>
    public static string FormatTensor(Tensor value) => value.Length switch
    {
        1 => Format(value.ToArray()[0]),
        <= 6 => $"[{string.Join(", ", value.ToArray().Select(v => Format(v)))}]",
        _ => $"({value.Length} values)",
    };

    public static string Format(double value) => value.ToString("G5", CultureInfo.InvariantCulture);

    private static string Quote(string text) => "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n") + "\"";
}
