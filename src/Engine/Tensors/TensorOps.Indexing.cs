namespace ActorGrad.Engine.Tensors;

/// <summary>
/// Selection by index: gather and its adjoint scatter-add, index-select and its adjoint index-add, sorting and
/// arg-extrema. Index tensors are float32 tensors holding whole numbers (the core has one element type; floats
/// hold every integer up to 2^24 exactly); a fractional or out-of-range index is an error naming where it is.
/// </summary>
public static partial class TensorOps
{
    /// <summary>torch.gather: result[..i..] = x[..index[..i..]..] along <paramref name="axis"/>; index has x's rank and no larger a size elsewhere.</summary>
    public static Tensor Gather(Tensor x, int axis, Tensor index)
    {
        var a = GatherAxis(x.Shape, axis, index.Shape, nameof(Gather));
        var result = Tensor.Allocate(index.Shape.AsSpan().ToArray());
        var offsets = IndexedOffsets(index, x.Shape, a, nameof(Gather));
        var src = x.Data;
        var dst = result.Span;
        for (var i = 0; i < offsets.Length; i++) dst[i] = src[offsets[i]];
        return result;
    }

    /// <summary>torch.zeros(shape).scatter_add_(axis, index, source): the adjoint of <see cref="Gather"/>.</summary>
    public static Tensor ScatterAdd(Tensor index, Tensor source, int axis, int[] shape)
    {
        if (!index.ShapeEquals(source.Shape))
            throw new ArgumentException($"{nameof(ScatterAdd)}: index {Shapes.Format(index.Shape)} and source {Shapes.Format(source.Shape)} differ in shape.");
        var a = GatherAxis(shape, axis, index.Shape, nameof(ScatterAdd));
        var result = Tensor.Allocate(shape.AsSpan().ToArray(), clear: true);
        var offsets = IndexedOffsets(index, shape, a, nameof(ScatterAdd));
        var src = source.Span;
        var dst = result.Data;
        for (var i = 0; i < offsets.Length; i++) dst[offsets[i]] += src[i];
        return result;
    }

    /// <summary>torch.index_select: the slices at <paramref name="indices"/> along <paramref name="axis"/>, in that order (repeats allowed).</summary>
    public static Tensor IndexSelect(Tensor x, int axis, int[] indices)
    {
        var a = Shapes.NormalizeAxis(axis, x.Rank, nameof(IndexSelect));
        var shape = IndexSelectShape(x.Shape, a, indices, nameof(IndexSelect));
        var result = Tensor.Allocate(shape);
        if (x.Rank == 0) { result.Data[0] = x.Data[0]; return result; }
        var (outer, n, inner) = Split(x.Shape, a);
        var m = indices.Length;
        for (var o = 0; o < outer; o++)
            for (var j = 0; j < m; j++)
                x.Data.AsSpan((o * n + indices[j]) * inner, inner).CopyTo(result.Data.AsSpan((o * m + j) * inner, inner));
        return result;
    }

    /// <summary>torch.zeros(shape).index_add_(axis, indices, source): the adjoint of <see cref="IndexSelect"/>.</summary>
    public static Tensor IndexAdd(Tensor source, int axis, int[] indices, int[] shape)
    {
        var a = Shapes.NormalizeAxis(axis, shape.Length, nameof(IndexAdd));
        var expected = IndexSelectShape(shape, a, indices, nameof(IndexAdd));
        if (!source.ShapeEquals(expected))
            throw new ArgumentException($"{nameof(IndexAdd)}: source {Shapes.Format(source.Shape)} does not fit {indices.Length} indices into {Shapes.Format(shape)} along axis {axis}; {Shapes.Format(expected)} was expected.");
        var result = Tensor.Allocate(shape.AsSpan().ToArray(), clear: true);
        if (shape.Length == 0) { result.Data[0] = source.Data[0]; return result; }
        var (outer, n, inner) = Split(shape, a);
        var m = indices.Length;
        for (var o = 0; o < outer; o++)
            for (var j = 0; j < m; j++)
            {
                var into = result.Data.AsSpan((o * n + indices[j]) * inner, inner);
                System.Numerics.Tensors.TensorPrimitives.Add(into, source.Data.AsSpan((o * m + j) * inner, inner), into);
            }
        return result;
    }

    /// <summary>The shape index-select gives, checking every index (0 &lt;= i &lt; size; a 0-d tensor takes index 0 only).</summary>
    public static int[] IndexSelectShape(int[] shape, int axis, int[] indices, string op)
    {
        var size = shape.Length == 0 ? 1 : shape[axis];
        for (var j = 0; j < indices.Length; j++)
            if ((uint)indices[j] >= (uint)size)
                throw new ArgumentException($"{op}: index {indices[j]} (position {j}) is out of range for axis {axis} of size {size} in shape {Shapes.Format(shape)}.");
        if (shape.Length == 0)
        {
            if (indices.Length != 1) throw new ArgumentException($"{op}: a 0-d tensor takes exactly one index, got {indices.Length}.");
            return [];
        }
        var result = (int[])shape.Clone();
        result[axis] = indices.Length;
        return result;
    }

    /// <summary>The indices that sort each line along <paramref name="axis"/> (stable; NaN counts as the largest, as in PyTorch), as floats.</summary>
    public static Tensor ArgSort(Tensor x, int axis, bool descending)
    {
        var a = Shapes.NormalizeAxis(axis, x.Rank, nameof(ArgSort));
        var result = Tensor.Allocate(x.Shape.AsSpan().ToArray());
        if (x.Rank == 0) { result.Data[0] = 0f; return result; }
        var (outer, n, inner) = Split(x.Shape, a);
        var src = x.Data;
        var order = new int[n];
        var keys = new float[n];
        for (var o = 0; o < outer; o++)
            for (var i = 0; i < inner; i++)
            {
                var start = o * n * inner + i;
                for (var r = 0; r < n; r++) { order[r] = r; keys[r] = src[start + r * inner]; }
                Array.Sort(order, (p, q) =>
                {
                    var c = CompareNaNLast(keys[p], keys[q]);
                    return c != 0 ? (descending ? -c : c) : p.CompareTo(q); // ties keep their order
                });
                for (var r = 0; r < n; r++) result.Data[start + r * inner] = order[r];
            }
        return result;
    }

    /// <summary>The values sorted along <paramref name="axis"/>.</summary>
    public static Tensor Sort(Tensor x, int axis, bool descending)
    {
        using var order = ArgSort(x, axis, descending);
        return Gather(x, axis, order);
    }

    /// <summary>The first <paramref name="k"/> indices of <see cref="ArgSort"/> along <paramref name="axis"/> (largest first when <paramref name="largest"/>).</summary>
    public static Tensor TopKIndices(Tensor x, int k, int axis, bool largest)
    {
        var a = Shapes.NormalizeAxis(axis, x.Rank, nameof(TopKIndices));
        var size = x.Rank == 0 ? 1 : x.Shape[a];
        if (k < 0 || k > size) throw new ArgumentException($"topk: k = {k} is out of range for axis {axis} of size {size} in shape {Shapes.Format(x.Shape)}.");
        using var order = ArgSort(x, a, descending: largest);
        return IndexSelect(order, a, Enumerable.Range(0, k).ToArray());
    }

    /// <summary>The k largest (or smallest) values along <paramref name="axis"/>, sorted, as torch.topk.</summary>
    public static Tensor TopK(Tensor x, int k, int axis, bool largest)
    {
        using var order = TopKIndices(x, k, axis, largest);
        return Gather(x, axis, order);
    }

    /// <summary>
    /// The index of the first largest (or smallest) element, as a float: of the flattened tensor when
    /// <paramref name="axis"/> is null, else along it. NaN counts as the extremum, as torch.argmax.
    /// </summary>
    public static Tensor ArgExtremum(Tensor x, int? axis, bool keepDims, bool max)
    {
        var op = max ? "argmax" : "argmin";
        if (x.Length == 0) throw new ArgumentException($"{op}: the tensor of shape {Shapes.Format(x.Shape)} has no elements.");
        if (axis is not { } ax)
        {
            var all = Tensor.Allocate(keepDims ? Enumerable.Repeat(1, x.Rank).ToArray() : []);
            all.Data[0] = Extremum(x.Span, 1, max);
            return all;
        }
        var a = Shapes.NormalizeAxis(ax, x.Rank, op);
        var result = Tensor.Allocate(Shapes.Reduced(x.Shape, x.Rank == 0 ? [] : [a], keepDims));
        if (x.Rank == 0) { result.Data[0] = 0f; return result; }
        var (outer, n, inner) = Split(x.Shape, a);
        for (var o = 0; o < outer; o++)
            for (var i = 0; i < inner; i++)
                result.Data[o * inner + i] = Extremum(x.Data.AsSpan(o * n * inner + i, (n - 1) * inner + 1), inner, max);
        return result;
    }

    private static int Extremum(ReadOnlySpan<float> line, int stride, bool max)
    {
        var best = 0;
        var bestValue = line[0];
        for (var r = 1; r * stride < line.Length && !float.IsNaN(bestValue); r++)
        {
            var v = line[r * stride];
            if (float.IsNaN(v) || (max ? v > bestValue : v < bestValue)) { best = r; bestValue = v; }
        }
        return best;
    }

    private static int CompareNaNLast(float a, float b) =>
        float.IsNaN(a) ? (float.IsNaN(b) ? 0 : 1) : float.IsNaN(b) ? -1 : a.CompareTo(b);

    /// <summary>Checks gather's shapes (index of x's rank, no larger than x off the axis); returns the normalised axis.</summary>
    public static int GatherAxis(int[] x, int axis, int[] index, string op)
    {
        if (index.Length != x.Length)
            throw new ArgumentException($"{op}: index {Shapes.Format(index)} must have the rank of {Shapes.Format(x)}.");
        var a = Shapes.NormalizeAxis(axis, x.Length, op);
        for (var d = 0; d < x.Length; d++)
            if (d != a && index[d] > x[d])
                throw new ArgumentException($"{op}: index {Shapes.Format(index)} is larger than {Shapes.Format(x)} at axis {d} (only axis {axis} may differ).");
        return a;
    }

    /// <summary>For each element of <paramref name="index"/>, the flat offset into a tensor of <paramref name="shape"/> it selects.</summary>
    private static int[] IndexedOffsets(Tensor index, int[] shape, int axis, string op)
    {
        var offsets = new int[index.Length];
        if (shape.Length == 0)
        {
            for (var i = 0; i < offsets.Length; i++) CheckedIndex(index.Data[i], 1, i, op);
            return offsets;
        }
        var strides = Shapes.Strides(shape);
        var rank = shape.Length;
        var position = new int[rank];
        var values = index.Span;
        for (var i = 0; i < values.Length; i++)
        {
            var offset = 0;
            for (var d = 0; d < rank; d++)
                offset += (d == axis ? CheckedIndex(values[i], shape[axis], i, op) : position[d]) * strides[d];
            offsets[i] = offset;
            for (var d = rank - 1; d >= 0; d--)
            {
                if (++position[d] < index.Shape[d]) break;
                position[d] = 0;
            }
        }
        return offsets;
    }

    private static int CheckedIndex(float value, int size, int at, string op)
    {
        if (!(value >= 0 && value < size) || value != MathF.Floor(value))
            throw new ArgumentException($"{op}: index value {value} at flat position {at} is not a whole number in 0..{size - 1}.");
        return (int)value;
    }
}
