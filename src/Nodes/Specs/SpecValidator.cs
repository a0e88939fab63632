using System.Collections.Immutable;
using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes.Ops;
using ActorGrad.Protocol.Serialization;
using ActorGrad.Protocol.Specs;
using ActorGrad.Protocol.Tensors;

namespace ActorGrad.Nodes.Specs;

/// <summary>
/// Checks a graph spec where it arrives, before anything runs: its structure, then the op table's shape rules
/// and the batch rule (GraphSpec's doc) for the actual number of examples, then the values it is given. Whatever
/// is wrong is a <see cref="SpecRejectedException"/> naming the node, the op, the input and the shapes.
/// </summary>
public static class SpecValidator
{
    /// <summary>The checks that need no values: format version, names, op names, arity, attributes, references.</summary>
    public static void Check(GraphSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.FormatVersion != GraphSpec.CurrentFormatVersion)
            throw new SpecRejectedException($"The spec has format version {spec.FormatVersion}; this version runs format version {GraphSpec.CurrentFormatVersion} only.");
        if (spec.Parameters.IsDefault || spec.DataInputs.IsDefault || spec.Constants.IsDefault || spec.Nodes.IsDefault)
            throw new SpecRejectedException("The spec lacks its parameters, data inputs, constants or nodes (a default array).");

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < spec.Parameters.Length; i++)
        {
            var p = spec.Parameters[i] ?? throw new SpecRejectedException($"Parameter {i} is null.");
            CheckName(p.Name, $"parameter {i}", names);
            CheckShape(p.Shape, $"parameter '{p.Name}'");
        }
        if (spec.DataInputs.Length == 0)
            throw new SpecRejectedException("The spec has no data input: a spec's loss sums over the examples of a batch of data.");
        for (var i = 0; i < spec.DataInputs.Length; i++)
        {
            var d = spec.DataInputs[i] ?? throw new SpecRejectedException($"Data input {i} is null.");
            CheckName(d.Name, $"data input {i}", names);
            CheckShape(d.ExampleShape, $"data input '{d.Name}'");
            if (d.BatchAxis < 0 || d.BatchAxis > d.ExampleShape.Length || d.ExampleShape.Length + 1 > WireLimits.MaxTensorRank)
                throw new SpecRejectedException($"Data input '{d.Name}' puts its batch axis at {d.BatchAxis}; an example of shape {Shapes.Format(d.ExampleShape.AsSpan())} allows 0 to {d.ExampleShape.Length}.");
        }
        for (var i = 0; i < spec.Constants.Length; i++)
            if (spec.Constants[i] is null) throw new SpecRejectedException($"Constant {i} is null.");

        if (spec.Nodes.Length == 0) throw new SpecRejectedException("The spec has no nodes.");
        for (var i = 0; i < spec.Nodes.Length; i++) CheckNode(spec, i);
        if (spec.LossNode < 0 || spec.LossNode >= spec.Nodes.Length)
            throw new SpecRejectedException($"The loss node {spec.LossNode} is not one of the spec's {spec.Nodes.Length} nodes.");
        if (!Enum.IsDefined(spec.Reduction))
            throw new SpecRejectedException($"The loss reduction {(int)spec.Reduction} is unknown; {string.Join(" or ", Enum.GetNames<LossReduction>())} was expected.");
    }

    /// <summary>
    /// <see cref="Check(GraphSpec)"/>, then every node's shape for a batch (or shard) of <paramref name="examples"/>
    /// examples, by the op table's shape rules, and the batch rule: no node mixes examples, the loss node is a
    /// scalar sum over the examples. Returns the shape of every node.
    /// </summary>
    public static int[][] CheckShapes(GraphSpec spec, int examples)
    {
        Check(spec);
        if (examples < 1) throw new SpecRejectedException($"A batch of {examples} examples cannot run; at least 1 is needed.");
        var nodeShapes = new int[spec.Nodes.Length][];
        var nodeFlows = new BatchAxes.Flow[spec.Nodes.Length];
        for (var i = 0; i < spec.Nodes.Length; i++)
        {
            var node = spec.Nodes[i];
            OpCatalog.TryGet(node.Op, out var op);
            var shapes = new int[node.Inputs.Length][];
            var axes = new int[node.Inputs.Length];
            for (var k = 0; k < node.Inputs.Length; k++)
            {
                var input = node.Inputs[k];
                (shapes[k], axes[k]) = input.Kind switch
                {
                    SpecInputKind.Parameter => (spec.Parameters[input.Index].Shape.ToArray(), BatchAxes.None),
                    SpecInputKind.Data => (spec.DataInputs[input.Index].BatchShape(examples), spec.DataInputs[input.Index].BatchAxis),
                    SpecInputKind.Constant => (spec.Constants[input.Index].Dimensions.ToArray(), BatchAxes.None),
                    _ => (nodeShapes[input.Index], nodeFlows[input.Index].Axis),
                };
                if (input.Kind == SpecInputKind.Node && nodeFlows[input.Index].SummedOverBatch)
                    throw Rejected(i, node, $"its input {k} (node {input.Index}) is a sum over the batch; only the loss may be one, and nothing may use it");
            }
            string Describe(int k) => $"input {k} ({Source(spec, node.Inputs[k])}) of shape {Shapes.Format(shapes[k])}";
            var attributes = SpecConversions.ToOp(node.Attributes);
            int[] shape;
            try { shape = op.ShapeRule(shapes, attributes); }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw Rejected(i, node, $"the shape rule rejects {string.Join(", ", Enumerable.Range(0, shapes.Length).Select(Describe))} for a batch of {examples}: {e.Message}", e);
            }
            if (TensorDimensions.TryElementCount(shape) < 0)
                throw Rejected(i, node, $"its result of shape {Shapes.Format(shape)} would not fit in memory");
            try { nodeFlows[i] = BatchAxes.Through(node.Op, shapes, axes, attributes, shape, Describe); }
            catch (BatchRuleViolation e)
            {
                throw Rejected(i, node, $"{e.Message}; a spec's examples must stay independent so that the gradients of shards add up", e);
            }
            nodeShapes[i] = shape;
        }
        var loss = spec.Nodes[spec.LossNode];
        if (nodeShapes[spec.LossNode].Length != 0 || !nodeFlows[spec.LossNode].SummedOverBatch)
            throw Rejected(spec.LossNode, loss, $"it is the loss node, which must be a scalar sum over the batch's examples; it has shape {Shapes.Format(nodeShapes[spec.LossNode])}{(nodeFlows[spec.LossNode].SummedOverBatch ? "" : " and does not sum over the batch")}");
        return nodeShapes;
    }

    /// <summary>
    /// <see cref="CheckShapes"/> for the batch given, after checking the values: every parameter present with its
    /// declared shape, every data input present with its example shape and the same number of examples, nothing
    /// else; with <paramref name="checkFinite"/>, no NaN or infinity in the data. Returns the number of examples.
    /// </summary>
    public static int Check(GraphSpec spec, IReadOnlyDictionary<string, Tensor> parameters, IReadOnlyDictionary<string, Tensor> batch, bool checkFinite = false)
    {
        Check(spec);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(batch);
        foreach (var p in spec.Parameters)
        {
            if (!parameters.TryGetValue(p.Name, out var value) || value is null)
                throw new SpecRejectedException($"The value of parameter '{p.Name}' ({Shapes.Format(p.Shape.AsSpan())}) is missing.");
            if (!value.Shape.AsSpan().SequenceEqual(p.Shape.AsSpan()))
                throw new SpecRejectedException($"Parameter '{p.Name}' has shape {Shapes.Format(value.Shape)}; the spec declares {Shapes.Format(p.Shape.AsSpan())}.");
        }
        Unknown(parameters.Keys, spec.Parameters.Select(p => p.Name), "parameter");

        int? examples = null;
        foreach (var d in spec.DataInputs)
        {
            if (!batch.TryGetValue(d.Name, out var value) || value is null)
                throw new SpecRejectedException($"Data input '{d.Name}' (example {Shapes.Format(d.ExampleShape.AsSpan())}, batch axis {d.BatchAxis}) is missing from the batch.");
            var shape = value.Shape;
            if (shape.Length != d.ExampleShape.Length + 1 || !shape.Where((_, axis) => axis != d.BatchAxis).SequenceEqual(d.ExampleShape))
                throw new SpecRejectedException($"Data input '{d.Name}' has shape {Shapes.Format(shape)}; the spec expects {Pattern(d)} with n examples on axis {d.BatchAxis}.");
            var n = shape[d.BatchAxis];
            if (examples is { } m && m != n)
                throw new SpecRejectedException($"Data input '{d.Name}' holds {n} examples, data input '{spec.DataInputs[0].Name}' {m}; every data input holds the same examples.");
            examples = n;
            if (checkFinite) CheckFinite(d.Name, value);
        }
        Unknown(batch.Keys, spec.DataInputs.Select(d => d.Name), "data input");
        CheckShapes(spec, examples!.Value);
        return examples.Value;
    }

    private static void CheckNode(GraphSpec spec, int i)
    {
        var node = spec.Nodes[i] ?? throw new SpecRejectedException($"Node {i} is null.", i);
        if (node.Op is null || !OpCatalog.TryGet(node.Op, out var op))
            throw new SpecRejectedException($"Node {i} uses op '{node.Op}', which this version's op table does not have; known ops: {string.Join(", ", OpCatalog.Names)}.", i, node.Op);
        var inputCount = node.Inputs.IsDefault ? 0 : node.Inputs.Length;
        if (op.Arity == OpTable.AnyArity ? inputCount == 0 : inputCount != op.Arity)
            throw Rejected(i, node, $"it has {inputCount} inputs; '{op.Name}' takes {(op.Arity == OpTable.AnyArity ? "one or more" : op.Arity)}");
        for (var k = 0; k < node.Inputs.Length; k++)
        {
            var input = node.Inputs[k];
            var count = input.Kind switch
            {
                SpecInputKind.Parameter => spec.Parameters.Length,
                SpecInputKind.Data => spec.DataInputs.Length,
                SpecInputKind.Constant => spec.Constants.Length,
                SpecInputKind.Node => i, // earlier nodes only: the spec is in the order the ops ran
                _ => throw Rejected(i, node, $"its input {k} has the unknown kind {(int)input.Kind}"),
            };
            if (input.Index < 0 || input.Index >= count)
                throw Rejected(i, node, input.Kind == SpecInputKind.Node
                    ? $"its input {k} refers to node {input.Index}; a node reads only nodes before it (0 to {i - 1})"
                    : $"its input {k} refers to {input}, but the spec has {count} of that kind");
        }
        var attributes = node.Attributes ?? throw Rejected(i, node, "its attributes are null");
        var use = OpCatalog.AttributesOf(op.Name);
        var (axes, axesRequired, keepDims, shape) = (use.Axes, use.AxesRequired, use.KeepDims, use.Shape);
        if (attributes.Axes is { } a ? !axes || a.IsDefault || a.Length > WireLimits.MaxTensorRank : axesRequired)
            throw Rejected(i, node, axesRequired ? "it needs axes (at most one per dimension)" : axes ? "its axes are more than a tensor's dimensions" : "it takes no axes");
        if (attributes.KeepDims && !keepDims) throw Rejected(i, node, "it takes no keepDims");
        if (attributes.Shape is { } s ? !shape || s.IsDefault || s.Length > WireLimits.MaxTensorRank : shape)
            throw Rejected(i, node, shape ? "it needs a target shape (at most 32 dimensions)" : "it takes no target shape");
        if (attributes.Indices is { } indices ? !use.Indices || indices.IsDefault : use.Indices)
            throw Rejected(i, node, use.Indices ? "it needs indices" : "it takes no indices");
        if ((attributes.Min is not null || attributes.Max is not null) && !use.Bounds) throw Rejected(i, node, "it takes no min or max");
        if (attributes.K is null ? use.K : !use.K) throw Rejected(i, node, use.K ? "it needs k" : "it takes no k");
        if (attributes.Descending && !use.Descending) throw Rejected(i, node, "it takes no order (descending)");
    }

    private static SpecRejectedException Rejected(int index, SpecNode node, string problem, Exception? inner = null) =>
        new($"Node {index} ('{node.Op}', attributes {node.Attributes}) is rejected: {problem}.", index, node.Op, inner);

    private static string Source(GraphSpec spec, SpecInput input) => input.Kind switch
    {
        SpecInputKind.Parameter => $"parameter '{spec.Parameters[input.Index].Name}'",
        SpecInputKind.Data => $"data input '{spec.DataInputs[input.Index].Name}'",
        SpecInputKind.Constant => $"constant {input.Index}",
        _ => $"node {input.Index} '{spec.Nodes[input.Index].Op}'",
    };

    /// <summary>A data input's batch shape with n for the examples: [n, 2].</summary>
    private static string Pattern(SpecDataInput d) =>
        "[" + string.Join(", ", d.ExampleShape.Select(x => x.ToString()).ToImmutableArray().Insert(d.BatchAxis, "n")) + "]";

    private static void CheckName(string? name, string what, HashSet<string> names)
    {
        if (string.IsNullOrEmpty(name)) throw new SpecRejectedException($"The {what} has no name.");
        if (!names.Add(name)) throw new SpecRejectedException($"The name '{name}' is used twice; parameters and data inputs share one namespace.");
    }

    private static void CheckShape(ImmutableArray<int> shape, string what)
    {
        if (shape.IsDefault) throw new SpecRejectedException($"The {what} has no shape.");
        if (shape.Length > WireLimits.MaxTensorRank || TensorDimensions.TryElementCount(shape.AsSpan()) < 0)
            throw new SpecRejectedException($"The {what} has shape {Shapes.Format(shape.AsSpan())}: negative, too many dimensions or too many elements.");
    }

    private static void Unknown(IEnumerable<string> given, IEnumerable<string> declared, string kind)
    {
        var extra = given.Except(declared, StringComparer.Ordinal).ToArray();
        if (extra.Length > 0)
            throw new SpecRejectedException($"The spec has no {kind} named {string.Join(", ", extra.Select(e => $"'{e}'"))}; it declares {string.Join(", ", declared.Select(d => $"'{d}'"))}.");
    }

    private static void CheckFinite(string name, Tensor value)
    {
        var span = value.Span;
        for (var i = 0; i < span.Length; i++)
            if (!float.IsFinite(span[i]))
                throw new SpecRejectedException($"Data input '{name}' holds {span[i]} at flat index {i} (shape {Shapes.Format(value.Shape)}); the job asked for finite data only.");
    }
}
