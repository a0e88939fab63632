using System.Collections.Immutable;
using System.Runtime.InteropServices;
using ActorGrad.Nodes.Ops;
using ActorGrad.Protocol.Specs;

namespace ActorGrad.Nodes.Specs;

/// <summary>Between the op table's attributes and a spec's (arrays copied, so neither side can change the other).</summary>
internal static class SpecConversions
{
    public static SpecAttributes ToSpec(OpAttributes a) =>
        a is { Axes: null, KeepDims: false, Shape: null, Indices: null, Min: null, Max: null, K: null, Descending: false }
            ? SpecAttributes.None
            : new SpecAttributes(Copy(a.Axes), a.KeepDims, Copy(a.Shape), Copy(a.Indices), a.Min, a.Max, a.K, a.Descending);

    public static OpAttributes ToOp(SpecAttributes a) =>
        a is { Axes: null, KeepDims: false, Shape: null, UsesVersion2: false } ? OpAttributes.None
            : new OpAttributes(a.Axes?.ToArray(), a.KeepDims, a.Shape?.ToArray(), a.Indices?.ToArray(), a.Min, a.Max, a.K, a.Descending);

    private static ImmutableArray<int>? Copy(int[]? values) =>
        values is null ? null : ImmutableCollectionsMarshal.AsImmutableArray((int[])values.Clone());
}
