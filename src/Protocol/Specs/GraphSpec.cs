using System.Collections.Immutable;

namespace ActorGrad.Protocol.Specs;

/// <summary>
/// A model as data: the ops of a loss function in the order they ran (see Nodes/Tracing), to be run in-process or
/// on any member of a cluster. Node <c>k</c> reads only parameters, data inputs, constants and nodes before it.
/// <para>
/// <b>Batch rule (what makes shards add up).</b> Every data input carries a batch axis; examples are independent:
/// no node mixes values of different examples. The node <see cref="LossNode"/> is a scalar equal to the
/// <b>sum over the examples it was given</b> of the per-example losses. <see cref="Reduction"/> says what the loss is:
/// <see cref="LossReduction.Sum"/> that sum, <see cref="LossReduction.Mean"/> that sum divided by the FULL batch size B,
/// which the runner applies (never the spec, so no constant depends on the batch size). Run on a shard of the batch
/// with B given, a member returns its shard's share of the loss and of every gradient; the shares of the shards,
/// added in shard order, are the full batch's loss and gradients up to float32 rounding.
/// </para>
/// </summary>
public sealed record GraphSpec(
    int FormatVersion,
    ImmutableArray<SpecParameter> Parameters,
    ImmutableArray<SpecDataInput> DataInputs,
    ImmutableArray<SpecTensor> Constants,
    ImmutableArray<SpecNode> Nodes,
    int LossNode,
    LossReduction Reduction)
{
    /// <summary>
    /// The format this version writes; a change to the layout gets a new number. Version 2 added the selection
    /// ops' attributes to each node; a version 1 spec (nodes without them) is still read, as version 2.
    /// </summary>
    public const int CurrentFormatVersion = 2;

    /// <summary>The oldest format version the reader accepts.</summary>
    public const int OldestReadableFormatVersion = 1;

    /// <summary>A spec of the current format.</summary>
    public GraphSpec(ImmutableArray<SpecParameter> parameters, ImmutableArray<SpecDataInput> dataInputs,
        ImmutableArray<SpecTensor> constants, ImmutableArray<SpecNode> nodes, int lossNode, LossReduction reduction)
        : this(CurrentFormatVersion, parameters, dataInputs, constants, nodes, lossNode, reduction) { }

    /// <summary>A short description for logs and error messages.</summary>
    public override string ToString() =>
        $"GraphSpec v{FormatVersion}: {Parameters.Length} parameters, {DataInputs.Length} data inputs, {Constants.Length} constants, {Nodes.Length} nodes, loss node {LossNode} ({Reduction})";
}

/// <summary>How the loss is reduced over the batch; see the batch rule on <see cref="GraphSpec"/>.</summary>
public enum LossReduction
{
    /// <summary>The sum of the per-example losses.</summary>
    Sum = 0,
    /// <summary>The sum of the per-example losses divided by the full batch size (applied by the runner).</summary>
    Mean = 1,
}

/// <summary>A parameter tensor the spec takes gradients for.</summary>
public sealed record SpecParameter(string Name, ImmutableArray<int> Shape)
{
    public override string ToString() => $"parameter '{Name}' [{string.Join(", ", Shape)}]";
}

/// <summary>
/// A data input: its shape for one example and where the batch axis goes. A batch of n examples has shape
/// <see cref="ExampleShape"/> with n inserted at <see cref="BatchAxis"/>.
/// </summary>
public sealed record SpecDataInput(string Name, ImmutableArray<int> ExampleShape, int BatchAxis)
{
    /// <summary>The shape of a batch (or shard) of <paramref name="examples"/> examples.</summary>
    public int[] BatchShape(int examples) => ExampleShape.Insert(BatchAxis, examples).ToArray();

    public override string ToString() => $"data input '{Name}' example [{string.Join(", ", ExampleShape)}], batch axis {BatchAxis}";
}

/// <summary>One recorded op: its name in the op table, its attributes and its inputs, in slot order.</summary>
public sealed record SpecNode(string Op, SpecAttributes Attributes, ImmutableArray<SpecInput> Inputs);

/// <summary>
/// An op's settings beyond its inputs (the op table's OpAttributes): reduction or permutation axes, keepDims, a
/// reshape target or result shape; since format version 2 also index_select's indices, clamp's bounds, top-k's
/// k and sort's order.
/// </summary>
public sealed record SpecAttributes(ImmutableArray<int>? Axes = null, bool KeepDims = false, ImmutableArray<int>? Shape = null,
    ImmutableArray<int>? Indices = null, float? Min = null, float? Max = null, int? K = null, bool Descending = false)
{
    public static readonly SpecAttributes None = new();

    /// <summary>True when an attribute of format version 2 is set (a version 1 node has none).</summary>
    public bool UsesVersion2 => Indices is not null || Min is not null || Max is not null || K is not null || Descending;

    public override string ToString()
    {
        var parts = new List<string>();
        if (Axes is { } axes) parts.Add($"axes [{string.Join(", ", axes)}]");
        if (KeepDims) parts.Add("keepDims");
        if (Shape is { } shape) parts.Add($"shape [{string.Join(", ", shape)}]");
        if (Indices is { } indices) parts.Add(indices.Length <= 8 ? $"indices [{string.Join(", ", indices)}]" : $"{indices.Length} indices");
        if (Min is { } min) parts.Add($"min {min.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        if (Max is { } max) parts.Add($"max {max.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        if (K is { } k) parts.Add($"k {k}");
        if (Descending) parts.Add("descending");
        return parts.Count == 0 ? "none" : string.Join(", ", parts);
    }
}

/// <summary>What feeds an input slot of a node.</summary>
public enum SpecInputKind
{
    Parameter = 0,
    Data = 1,
    Constant = 2,
    Node = 3,
}

/// <summary>A reference to a parameter, a data input, a constant or an earlier node, by its index in the spec.</summary>
public readonly record struct SpecInput(SpecInputKind Kind, int Index)
{
    public static SpecInput Parameter(int index) => new(SpecInputKind.Parameter, index);
    public static SpecInput Data(int index) => new(SpecInputKind.Data, index);
    public static SpecInput Constant(int index) => new(SpecInputKind.Constant, index);
    public static SpecInput Node(int index) => new(SpecInputKind.Node, index);

    public override string ToString() => $"{Kind.ToString().ToLowerInvariant()} {Index}";
}
