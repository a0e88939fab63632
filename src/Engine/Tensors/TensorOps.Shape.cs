namespace ActorGrad.Engine.Tensors;

public static partial class TensorOps
{
    /// <summary>The same values in a new shape; one dimension may be -1 (inferred).</summary>
    public static Tensor Reshape(Tensor t, params int[] shape)
    {
        var resolved = ResolveReshape(t.Shape, t.Length, shape);
        var result = Tensor.Allocate(resolved);
        t.Span.CopyTo(result.Span);
        return result;
    }

    public static int[] ResolveReshape(int[] from, int length, int[] shape)
    {
        var resolved = shape.AsSpan().ToArray();
        var infer = -1;
        long known = 1;
        for (var i = 0; i < resolved.Length; i++)
        {
            if (resolved[i] == -1)
            {
                if (infer >= 0) throw new ArgumentException($"{nameof(Reshape)}: shape {Shapes.Format(shape)} has more than one -1.");
                infer = i;
            }
            else if (resolved[i] < 0) throw new ArgumentException($"{nameof(Reshape)}: shape {Shapes.Format(shape)} has a negative dimension.");
            else known *= resolved[i];
        }
        if (infer >= 0)
        {
            if (known == 0 || length % known != 0)
                throw new ArgumentException($"{nameof(Reshape)}: cannot reshape {Shapes.Format(from)} to {Shapes.Format(shape)}.");
            resolved[infer] = (int)(length / known);
        }
        if (Shapes.ElementCount(resolved) != length)
            throw new ArgumentException($"{nameof(Reshape)}: cannot reshape {Shapes.Format(from)} ({length} elements) to {Shapes.Format(shape)}.");
        return resolved;
    }

    /// <summary>Matrix transpose of a 2-D tensor (a 1-D or 0-d tensor is returned as a copy, as in PyTorch's .T).</summary>
    public static Tensor Transpose(Tensor t)
    {
        if (t.Rank > 2) throw new ArgumentException($"{nameof(Transpose)}: expects rank <= 2, got shape {Shapes.Format(t.Shape)}; use Permute.");
        return t.Rank < 2 ? t.Clone() : Permute(t, 1, 0);
    }

    /// <summary>Reorders the axes: result dim i is input dim axes[i].</summary>
    public static Tensor Permute(Tensor t, params int[] axes)
    {
        if (axes.Length != t.Rank || axes.Distinct().Count() != t.Rank)
            throw new ArgumentException($"{nameof(Permute)}: axes [{string.Join(", ", axes)}] are not a permutation of {t.Rank} axes (shape {Shapes.Format(t.Shape)}).");
        var normalized = axes.Select(a => Shapes.NormalizeAxis(a, t.Rank, nameof(Permute))).ToArray();
        var shape = normalized.Select(a => t.Shape[a]).ToArray();
        var result = Tensor.Allocate(shape);
        if (t.Length == 0) return result;
        var srcStrides = Shapes.Strides(t.Shape);
        var strides = normalized.Select(a => srcStrides[a]).ToArray();
        var src = t.Data;
        var dst = result.Data;
        var rank = shape.Length;
        var index = new int[rank];
        var offset = 0;
        for (var i = 0; i < result.Length; i++)
        {
            dst[i] = src[offset];
            for (var d = rank - 1; d >= 0; d--)
            {
                index[d]++;
                offset += strides[d];
                if (index[d] < shape[d]) break;
                offset -= strides[d] * shape[d];
                index[d] = 0;
            }
        }
        return result;
    }

    /// <summary>Elements start..start+length-1 along <paramref name="axis"/>.</summary>
    public static Tensor Slice(Tensor t, int axis, int start, int length)
    {
        if (t.Rank == 0) throw new ArgumentException($"{nameof(Slice)}: a 0-d tensor cannot be sliced.");
        var a = Shapes.NormalizeAxis(axis, t.Rank, nameof(Slice));
        if (start < 0 || length < 0 || start + length > t.Shape[a])
            throw new ArgumentException($"{nameof(Slice)}: [{start}, {start + length}) is outside axis {axis} of shape {Shapes.Format(t.Shape)}.");
        var (outer, n, inner) = Split(t.Shape, a);
        var shape = t.Shape.AsSpan().ToArray();
        shape[a] = length;
        var result = Tensor.Allocate(shape);
        for (var o = 0; o < outer; o++)
            t.Data.AsSpan((o * n + start) * inner, length * inner).CopyTo(result.Data.AsSpan(o * length * inner));
        return result;
    }

    /// <summary>Joins tensors along <paramref name="axis"/>; all other dimensions must agree.</summary>
    public static Tensor Concat(int axis, params Tensor[] tensors)
    {
        if (tensors.Length == 0) throw new ArgumentException($"{nameof(Concat)}: needs at least one tensor.");
        var first = tensors[0];
        if (first.Rank == 0) throw new ArgumentException($"{nameof(Concat)}: a 0-d tensor cannot be concatenated; stack it instead.");
        var a = Shapes.NormalizeAxis(axis, first.Rank, nameof(Concat));
        foreach (var t in tensors)
        {
            var same = t.Rank == first.Rank;
            for (var i = 0; same && i < t.Rank; i++) same = i == a || t.Shape[i] == first.Shape[i];
            if (!same) throw new ArgumentException($"{nameof(Concat)}: shapes {Shapes.Format(first.Shape)} and {Shapes.Format(t.Shape)} differ outside axis {axis}.");
        }
        var shape = first.Shape.AsSpan().ToArray();
        shape[a] = tensors.Sum(t => t.Shape[a]);
        var result = Tensor.Allocate(shape);
        var (outer, total, inner) = Split(shape, a);
        var offset = 0;
        foreach (var t in tensors)
        {
            var n = t.Shape[a];
            for (var o = 0; o < outer; o++)
                t.Data.AsSpan(o * n * inner, n * inner).CopyTo(result.Data.AsSpan((o * total + offset) * inner));
            offset += n;
        }
        return result;
    }

    /// <summary>Removes size-1 axes (all of them, or the one given).</summary>
    public static Tensor Squeeze(Tensor t, int? axis = null)
    {
        if (axis is { } ax && t.Rank > 0)
        {
            var a = Shapes.NormalizeAxis(ax, t.Rank, nameof(Squeeze));
            if (t.Shape[a] != 1) throw new ArgumentException($"{nameof(Squeeze)}: axis {ax} of shape {Shapes.Format(t.Shape)} is not of size 1.");
            return Reshape(t, t.Shape.Where((_, i) => i != a).ToArray());
        }
        return Reshape(t, t.Shape.Where(d => d != 1).ToArray());
    }

    /// <summary>Inserts a size-1 axis at <paramref name="axis"/> (0..rank).</summary>
    public static Tensor Unsqueeze(Tensor t, int axis)
    {
        var a = Shapes.NormalizeAxis(axis, t.Rank + 1, nameof(Unsqueeze));
        var shape = t.Shape.ToList();
        shape.Insert(a, 1);
        return Reshape(t, shape.ToArray());
    }

    /// <summary>Rows of zeros with a one at each label: shape [labels.Length, classes].</summary>
    public static Tensor OneHot(int[] labels, int classes)
    {
        if (classes <= 0) throw new ArgumentException($"{nameof(OneHot)}: classes must be positive, got {classes}.");
        var result = Tensor.Zeros(labels.Length, classes);
        for (var i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classes) throw new ArgumentException($"{nameof(OneHot)}: label {labels[i]} at {i} is outside 0..{classes - 1}.");
            result.Data[i * classes + labels[i]] = 1f;
        }
        return result;
    }
}
