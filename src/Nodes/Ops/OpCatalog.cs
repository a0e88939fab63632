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
    public static (bool Axes, bool AxesRequired, bool KeepDims, bool Shape) AttributesOf(string op) => op switch
    {
        "sum" or "max" or "min" => (true, false, true, false),
        "permute" => (true, true, false, false),
        "reshape" => (false, false, false, true),
        _ => (false, false, false, false),
    };
}
