using System.Collections.Immutable;
using System.Runtime.InteropServices;
using ActorGrad.Nodes.Ops;
using ActorGrad.Protocol.Specs;

namespace ActorGrad.Nodes.Specs;

/// <summary>Between the op table's attributes and a spec's (arrays copied, so neither side can change the other).</summary>
internal static class SpecConversions
{
    public static SpecAttributes ToSpec(OpAttributes a) =>
        a.Axes is null && !a.KeepDims && a.Shape is null ? SpecAttributes.None
            : new SpecAttributes(Copy(a.Axes), a.KeepDims, Copy(a.Shape));

    public static OpAttributes ToOp(SpecAttributes a) =>
        a.Axes is null && !a.KeepDims && a.Shape is null ? OpAttributes.None
            : new OpAttributes(a.Axes?.ToArray(), a.KeepDims, a.Shape?.ToArray());

    private static ImmutableArray<int>? Copy(int[]? values) =>
        values is null ? null : ImmutableCollectionsMarshal.AsImmutableArray((int[])values.Clone());
}
