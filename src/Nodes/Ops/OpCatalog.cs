using System.Collections.Frozen;

namespace ActorGrad.Nodes.Ops;

/// <summary>The op table by name, as graph specs name ops; and which attributes each op takes.</summary>
public static class OpCatalog
{
    private static readonly FrozenDictionary<string, OpDefinition> ByName = OpTable.All.ToFrozenDictionary(op => op.Name, StringComparer.Ordinal);

    public static bool TryGet(string name, out OpDefinition op) => ByName.TryGetValue(name, out op!);

    /// <summary>The op names, sorted, for error messages.</summary>
    public static IReadOnlyList<string> Names { get; } = ByName.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <summary>Which of <see cref="OpAttributes"/>' fields <paramref name="op"/> reads (others must be unset).</summary>
    public static AttributeUse AttributesOf(string op) => op switch
    {
        "sum" or "max" or "min" or "logsumexp" or "argmax" or "argmin" => new(Axes: true, KeepDims: true),
        "permute" or "gather" or "concat" => new(Axes: true, AxesRequired: true),
        "reshape" => new(Shape: true),
        "sort" => new(Axes: true, AxesRequired: true, Descending: true),
        "topk" => new(Axes: true, AxesRequired: true, K: true, Descending: true),
        "index_select" => new(Axes: true, AxesRequired: true, Indices: true),
        "index_add" => new(Axes: true, AxesRequired: true, Indices: true, Shape: true),
        "scatter_add" => new(Axes: true, AxesRequired: true, Shape: true),
        "clamp" => new(Bounds: true),
        _ => new(),
    };
}

/// <summary>
/// The attributes an op reads. Axes may be required; a shape, indices and k are required when read (the shape
/// rules say what else is wrong, such as a second axis or an index out of range); clamp's bounds are each optional.
/// </summary>
public readonly record struct AttributeUse(
    bool Axes = false, bool AxesRequired = false, bool KeepDims = false, bool Shape = false,
    bool Indices = false, bool Bounds = false, bool K = false, bool Descending = false);
