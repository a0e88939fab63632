using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes.Ops;

namespace ActorGrad.Nodes;

/// <summary>
/// Indexing, slicing, sorting and joining, with gradients to the selected elements (see OpTable.Selection.cs).
/// Indices are float values (the tensor core has one element type): what ArgMax, ArgMin and ArgSort return,
/// and what Gather takes, hold whole numbers, exact up to 2^24.
/// </summary>
public sealed partial class Var
{
    /// <summary>PyTorch's x[i] along <paramref name="axis"/> (negative counts from the end): that axis goes.</summary>
    public Var Select(int index, int axis = 0)
    {
        var a = Shapes.NormalizeAxis(axis, Rank, "select");
        if (Rank == 0) throw new ArgumentException("select: a 0-d Var cannot be indexed.");
        var size = Shape[a];
        var i = index < 0 ? index + size : index;
        if (i < 0 || i >= size) throw new ArgumentException($"select: index {index} is out of range for axis {axis} of size {size} in shape {Shapes.Format(Shape)}.");
        var picked = IndexSelect(a, [i]);
        return picked.Reshape(Shape.Where((_, d) => d != a).ToArray());
    }

    /// <summary>
    /// PyTorch's x[begin:end:step] along <paramref name="axis"/>, with Python's rules for negative and
    /// out-of-range bounds (null: the start or the end); step may be negative (from the end backwards), not 0.
    /// </summary>
    public Var Slice(int? begin, int? end, int step = 1, int axis = 0)
    {
        if (Rank == 0) throw new ArgumentException("slice: a 0-d Var cannot be sliced.");
        if (step == 0) throw new ArgumentException("slice: step must not be zero.");
        var a = Shapes.NormalizeAxis(axis, Rank, "slice");
        var size = Shape[a];
        int Clip(int? bound, int ifNull, int low, int high)
        {
            if (bound is not { } b) return ifNull;
            if (b < 0) b += size;
            return Math.Clamp(b, low, high);
        }
        var indices = new List<int>();
        if (step > 0)
            for (int i = Clip(begin, 0, 0, size), stop = Clip(end, size, 0, size); i < stop; i += step) indices.Add(i);
        else
            for (int i = Clip(begin, size - 1, -1, size - 1), stop = Clip(end, -1, -1, size - 1); i > stop; i += step) indices.Add(i);
        return IndexSelect(a, indices.ToArray());
    }

    /// <summary>x[range] along axis 0, as C#'s ranges read: x[1..3], x[^2..].</summary>
    [System.Runtime.CompilerServices.IndexerName("At")]
    public Var this[Range range]
    {
        get
        {
            if (Rank == 0) throw new ArgumentException("slice: a 0-d Var cannot be sliced.");
            var (offset, length) = range.GetOffsetAndLength(Shape[0]);
            return Slice(offset, offset + length);
        }
    }

    /// <summary>torch.index_select: the slices at <paramref name="indices"/> along <paramref name="axis"/> (repeats allowed; their gradients add).</summary>
    public Var IndexSelect(int axis, int[] indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        return Session.Apply(OpTable.IndexSelect, new OpAttributes(Axes: [axis], Indices: (int[])indices.Clone()), this);
    }

    /// <summary>torch.gather: result[..i..] = x[..index[..i..]..] along <paramref name="axis"/>; the index (whole numbers) takes no gradient.</summary>
    public Var Gather(int axis, Var index) => Session.Apply(OpTable.Gather, new OpAttributes(Axes: [axis]), this, index);

    /// <summary>torch.zeros(shape).scatter_add(axis, index, source): gather's adjoint; the index takes no gradient.</summary>
    public static Var ScatterAdd(int[] shape, int axis, Var index, Var source)
    {
        ArgumentNullException.ThrowIfNull(shape);
        return source.Session.Apply(OpTable.ScatterAdd, new OpAttributes(Axes: [axis], Shape: (int[])shape.Clone()), index, source);
    }

    /// <summary>torch.zeros(shape).index_add(axis, indices, source): index-select's adjoint (repeated indices add up).</summary>
    public static Var IndexAdd(int[] shape, int axis, int[] indices, Var source)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(indices);
        return source.Session.Apply(OpTable.IndexAdd, new OpAttributes(Axes: [axis], Indices: (int[])indices.Clone(), Shape: (int[])shape.Clone()), source);
    }

    /// <summary>The values sorted along <paramref name="axis"/>; each one's gradient goes back to where it came from.</summary>
    public Var Sort(int axis = -1, bool descending = false) =>
        Session.Apply(OpTable.Sort, new OpAttributes(Axes: [axis], Descending: descending), this);

    /// <summary>torch.topk: the <paramref name="k"/> largest (or smallest) values along <paramref name="axis"/>, sorted; the others get no gradient.</summary>
    public Var TopK(int k, int axis = -1, bool largest = true) =>
        Session.Apply(OpTable.TopK, new OpAttributes(Axes: [axis], K: k, Descending: largest), this);

    /// <summary>The flat index of the (first) largest element, a float-valued 0-d Var without gradient.</summary>
    public Var ArgMax() => Session.Apply(OpTable.ArgMax, OpAttributes.None, this);
    public Var ArgMax(int axis, bool keepDims = false) => Session.Apply(OpTable.ArgMax, new OpAttributes([axis], keepDims), this);
    public Var ArgMin() => Session.Apply(OpTable.ArgMin, OpAttributes.None, this);
    public Var ArgMin(int axis, bool keepDims = false) => Session.Apply(OpTable.ArgMin, new OpAttributes([axis], keepDims), this);

    /// <summary>torch.cat: the Vars joined along <paramref name="axis"/>; every other dimension must agree.</summary>
    public static Var Concat(int axis, params Var[] vars)
    {
        ArgumentNullException.ThrowIfNull(vars);
        if (vars.Length == 0) throw new ArgumentException("concat: needs at least one Var.");
        return vars[0].Session.Apply(OpTable.Concat, new OpAttributes(Axes: [axis]), vars);
    }

    /// <summary>torch.stack: the Vars (all of one shape) joined along a new axis <paramref name="axis"/>.</summary>
    public static Var Stack(int axis, params Var[] vars)
    {
        ArgumentNullException.ThrowIfNull(vars);
        if (vars.Length == 0) throw new ArgumentException("stack: needs at least one Var.");
        var shape = vars[0].Shape;
        foreach (var v in vars)
            if (!v.Shape.AsSpan().SequenceEqual(shape))
                throw new ArgumentException($"stack: expects Vars of one shape, got {Shapes.Format(shape)} and {Shapes.Format(v.Shape)}.");
        var a = Shapes.NormalizeAxis(axis, shape.Length + 1, "stack");
        var expanded = shape.ToList();
        expanded.Insert(a, 1);
        return Concat(a, vars.Select(v => v.Reshape(expanded.ToArray())).ToArray());
    }
}
