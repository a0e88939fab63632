using System.Numerics.Tensors;

namespace ActorGrad.Engine.Tensors;

public static partial class TensorOps
{
    /// <summary>Sum of all elements (a 0-d tensor), or over <paramref name="axes"/>.</summary>
    public static Tensor Sum(Tensor t, int[]? axes = null, bool keepDims = false) =>
        Reduce(t, axes, keepDims, ReduceKind.Sum, nameof(Sum));

    public static Tensor Mean(Tensor t, int[]? axes = null, bool keepDims = false)
    {
        var sum = Sum(t, axes, keepDims);
        var count = sum.Length == 0 ? 0 : t.Length / Math.Max(1, sum.Length);
        TensorPrimitives.Divide(sum.Span, count, sum.Span);
        return sum;
    }

    /// <summary>Largest element (NaN if any is NaN), or over <paramref name="axes"/>.</summary>
    public static Tensor Max(Tensor t, int[]? axes = null, bool keepDims = false) =>
        Reduce(t, axes, keepDims, ReduceKind.Max, nameof(Max));

    public static Tensor Min(Tensor t, int[]? axes = null, bool keepDims = false) =>
        Reduce(t, axes, keepDims, ReduceKind.Min, nameof(Min));

    /// <summary>Sums <paramref name="t"/> down to <paramref name="shape"/>: undoes broadcasting.</summary>
    public static Tensor SumTo(Tensor t, int[] shape)
    {
        if (t.ShapeEquals(shape)) return t.Clone();
        if (!Shapes.BroadcastsTo(shape, t.Shape))
            throw new ArgumentException($"{nameof(SumTo)}: shape {Shapes.Format(t.Shape)} cannot be summed to {Shapes.Format(shape)}.");
        var lead = t.Rank - shape.Length;
        var axes = new List<int>();
        for (var i = 0; i < t.Rank; i++)
            if (i < lead || (shape[i - lead] == 1 && t.Shape[i] != 1)) axes.Add(i);
        using var summed = Sum(t, axes.ToArray(), keepDims: true);
        return Reshape(summed, shape);
    }

    /// <summary>A copy of <paramref name="t"/> repeated to <paramref name="shape"/> by broadcasting.</summary>
    public static Tensor BroadcastTo(Tensor t, int[] shape)
    {
        if (!Shapes.BroadcastsTo(t.Shape, shape))
            throw new ArgumentException($"{nameof(BroadcastTo)}: shape {Shapes.Format(t.Shape)} cannot be broadcast to {Shapes.Format(shape)}.");
        var result = Tensor.Allocate(shape.AsSpan().ToArray());
        using var zero = Tensor.Scalar(0f);
        ElementwiseDriver.BinaryInto<AddOp>(t, zero, result);
        return result;
    }

    private enum ReduceKind { Sum, Max, Min }

    private static Tensor Reduce(Tensor t, int[]? axes, bool keepDims, ReduceKind kind, string op)
    {
        var normalized = Shapes.NormalizeAxes(axes, t.Rank, op);
        var finalShape = Shapes.Reduced(t.Shape, normalized, keepDims);
        if (t.Rank == 0) return t.Clone();
        if (normalized.Length == t.Rank)
        {
            var all = Tensor.Allocate(finalShape);
            all.Data[0] = ReduceSpan(t.Span, kind, op);
            return all;
        }
        // Reduce one axis at a time, highest first, keeping dims so lower axes keep their meaning.
        var current = t;
        for (var i = normalized.Length - 1; i >= 0; i--)
        {
            var next = ReduceAxis(current, normalized[i], kind, op);
            if (!ReferenceEquals(current, t)) current.Dispose();
            current = next;
        }
        if (current.ShapeEquals(finalShape)) return current;
        using (current) return Reshape(current, finalShape);
    }

    private static float ReduceSpan(ReadOnlySpan<float> span, ReduceKind kind, string op)
    {
        if (kind == ReduceKind.Sum) return TensorPrimitives.Sum(span);
        if (span.Length == 0) throw new ArgumentException($"{op}: cannot reduce an empty tensor (it has no elements).");
        return kind == ReduceKind.Max ? TensorPrimitives.Max(span) : TensorPrimitives.Min(span);
    }

    /// <summary>Reduces one axis, keeping it as size 1: the tensor is seen as [outer, n, inner].</summary>
    private static Tensor ReduceAxis(Tensor t, int axis, ReduceKind kind, string op)
    {
        var (outer, n, inner) = Split(t.Shape, axis);
        var shape = t.Shape.AsSpan().ToArray();
        shape[axis] = 1;
        var result = Tensor.Allocate(shape, clear: kind == ReduceKind.Sum);
        if (n == 0 && kind != ReduceKind.Sum && outer * inner > 0)
            throw new ArgumentException($"{op}: cannot reduce axis {axis} of size 0 in shape {Shapes.Format(t.Shape)}.");
        var src = t.Data;
        var dst = result.Data;
        for (var o = 0; o < outer; o++)
        {
            if (inner == 1)
            {
                dst[o] = ReduceSpan(src.AsSpan(o * n, n), kind, op);
                continue;
            }
            var row = dst.AsSpan(o * inner, inner);
            if (n == 0) continue;
            src.AsSpan(o * n * inner, inner).CopyTo(row);
            for (var r = 1; r < n; r++)
            {
                var x = src.AsSpan((o * n + r) * inner, inner);
                switch (kind)
                {
                    case ReduceKind.Sum: TensorPrimitives.Add(row, x, row); break;
                    case ReduceKind.Max: TensorPrimitives.Max(row, x, row); break;
                    default: TensorPrimitives.Min(row, x, row); break;
                }
            }
        }
        return result;
    }

    internal static (int Outer, int N, int Inner) Split(int[] shape, int axis)
    {
        int outer = 1, inner = 1;
        for (var i = 0; i < axis; i++) outer *= shape[i];
        for (var i = axis + 1; i < shape.Length; i++) inner *= shape[i];
        return (outer, shape[axis], inner);
    }
}
