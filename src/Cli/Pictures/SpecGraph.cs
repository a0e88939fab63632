using ActorGrad.Nodes;
using ActorGrad.Nodes.Specs;
using ActorGrad.Protocol.Specs;

namespace ActorGrad.Cli.Pictures;

/// <summary>
/// A graph spec (a traced model) as a <see cref="GraphView"/>: parameters become leaves, data inputs and constants
/// their own boxes, each spec node the op node a member would run. Shapes come from the op table's shape rules; the
/// batch axis reads B (found by computing the shapes for two batch sizes and seeing which sizes follow).
/// </summary>
internal static class SpecGraph
{
    public static (GraphView View, DotLabels Labels) Of(GraphSpec spec, string title)
    {
        var one = SpecValidator.CheckShapes(spec, 1);
        var two = SpecValidator.CheckShapes(spec, 2);
        var nodes = new List<GraphViewNode>();
        var edges = new List<GraphViewEdge>();
        var names = new Dictionary<int, string>();
        var batchShapes = new Dictionary<int, (int[] One, int[] Two)>();
        int Add(GraphViewKind kind, string op, int[] shape, string? name = null, ActorGrad.Engine.Tensors.Tensor? value = null)
        {
            var id = nodes.Count;
            nodes.Add(new GraphViewNode(id, kind, op, [.. shape], name, value));
            if (name is not null) names[id] = name;
            return id;
        }
        var parameters = spec.Parameters.Select(p => Add(GraphViewKind.Leaf, "leaf", [.. p.Shape], p.Name)).ToArray();
        var data = spec.DataInputs.Select(d =>
        {
            var id = Add(GraphViewKind.Data, "data", d.BatchShape(2), d.Name);
            batchShapes[id] = (d.BatchShape(1), d.BatchShape(2));
            return id;
        }).ToArray();
        var constants = spec.Constants.Select(c =>
        {
            var value = ActorGrad.Engine.Tensors.Tensor.From(c);
            return Add(GraphViewKind.Constant, "constant", value.Shape, value: value.Length == 1 ? value : null);
        }).ToArray();
        var ops = new int[spec.Nodes.Length];
        for (var i = 0; i < spec.Nodes.Length; i++)
        {
            var node = spec.Nodes[i];
            ops[i] = Add(GraphViewKind.Op, node.Op, two[i]);
            batchShapes[ops[i]] = (one[i], two[i]);
            for (var slot = 0; slot < node.Inputs.Length; slot++)
            {
                var input = node.Inputs[slot];
                var from = input.Kind switch
                {
                    SpecInputKind.Parameter => parameters[input.Index],
                    SpecInputKind.Data => data[input.Index],
                    SpecInputKind.Constant => constants[input.Index],
                    _ => ops[input.Index],
                };
                edges.Add(new GraphViewEdge(from, ops[i], slot, Detached: false));
            }
        }
        var view = new GraphView([.. nodes], [.. edges]);
        var labels = new DotLabels(title)
        {
            Names = names,
            Root = ops[spec.LossNode],
            Shape = node => batchShapes.TryGetValue(node.Id, out var s) ? FormatBatchShape(s.One, s.Two) : DotWriter.FormatShape(node.Shape),
        };
        return (view, labels);
    }

    private static string FormatBatchShape(int[] one, int[] two) =>
        two.Length == 0 ? "scalar" : $"[{string.Join(", ", two.Select((size, axis) => size != one[axis] ? "B" : size.ToString()))}]";
}
