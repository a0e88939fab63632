using ActorGrad.Engine.Tensors;

namespace ActorGrad.Nodes.Ops;

/// <summary>
/// Selection ops: sort and top-k (the gradient goes back to the selected elements), arg-extrema (no gradient),
/// indexing and slicing (index_select and its adjoint index_add), gather for labels (and its adjoint scatter_add),
/// concat. Each adjoint pair closes under differentiation: the VJP of one is the other, so gradients of
/// gradients need nothing more. Indices computed by a rule (argsort) are constants.
/// </summary>
public static partial class OpTable
{
    /// <summary>An op's <see cref="OpDefinition.Arity"/> when it takes any number (one or more) of inputs.</summary>
    public const int AnyArity = -1;

    // d sort(x) = g scattered back to where each value came from;  t = tx gathered in sorted order
    public static readonly OpDefinition Sort = new("sort", 1, (s, at) => AxisShape(s[0], at, "sort"),
        (x, at) => TensorOps.Sort(x[0], Axis(at), at.Descending), new SortRule(), new SortRule());
    private sealed class SortRule : IVjpRule, IJvpRule
    {
        public T Vjp<T>(IAlgebra<T> m, int i, in VjpArgs<T> a) =>
            m.ScatterAdd(m.ArgSort(a.Inputs[0], Axis(a.Attributes), a.Attributes.Descending), a.Grad, Axis(a.Attributes), m.Shape(a.Inputs[0]));
        public T Jvp<T>(IAlgebra<T> m, in JvpArgs<T> a) =>
            m.Gather(a.Tangents[0]!, Axis(a.Attributes), m.ArgSort(a.Inputs[0], Axis(a.Attributes), a.Attributes.Descending));
    }

    // d topk(x, k) = g to the k selected elements, 0 elsewhere;  t = tx at the selected elements
    public static readonly OpDefinition TopK = new("topk", 1, TopKShape,
        (x, at) => TensorOps.TopK(x[0], at.K!.Value, Axis(at), at.Descending), new TopKRule(), new TopKRule());
    private sealed class TopKRule : IVjpRule, IJvpRule
    {
        public T Vjp<T>(IAlgebra<T> m, int i, in VjpArgs<T> a) =>
            m.ScatterAdd(Selected(m, a.Inputs[0], a.Attributes), a.Grad, Axis(a.Attributes), m.Shape(a.Inputs[0]));
        public T Jvp<T>(IAlgebra<T> m, in JvpArgs<T> a) =>
            m.Gather(a.Tangents[0]!, Axis(a.Attributes), Selected(m, a.Inputs[0], a.Attributes));

        private static T Selected<T>(IAlgebra<T> m, T x, OpAttributes at) =>
            m.IndexSelect(m.ArgSort(x, Axis(at), at.Descending), Axis(at), Enumerable.Range(0, at.K!.Value).ToArray());
    }

    // argmax / argmin: indices as float values (the core's one element type), piecewise constant: no gradient (zeros)
    public static readonly OpDefinition ArgMax = new("argmax", 1, (s, at) => ArgShape(s[0], at, "argmax"),
        (x, at) => TensorOps.ArgExtremum(x[0], at.Axes?[0], at.KeepDims, max: true), new NoGradientRule(), new NoGradientRule());
    public static readonly OpDefinition ArgMin = new("argmin", 1, (s, at) => ArgShape(s[0], at, "argmin"),
        (x, at) => TensorOps.ArgExtremum(x[0], at.Axes?[0], at.KeepDims, max: false), new NoGradientRule(), new NoGradientRule());
    private sealed class NoGradientRule : IVjpRule, IJvpRule
    {
        public T Vjp<T>(IAlgebra<T> m, int i, in VjpArgs<T> a) => m.ZerosLike(a.Inputs[i]);
        public T Jvp<T>(IAlgebra<T> m, in JvpArgs<T> a) => m.ZerosLike(a.Result);
    }

    // d index_select(x, axis, idx) = index_add(g) into x's shape (repeated indices add up);  t = index_select(tx)
    public static readonly OpDefinition IndexSelect = new("index_select", 1,
        (s, at) => TensorOps.IndexSelectShape(s[0], Shapes.NormalizeAxis(Axis(at), s[0].Length, "index_select"), Indices(at, "index_select"), "index_select"),
        (x, at) => TensorOps.IndexSelect(x[0], Axis(at), at.Indices!), new IndexSelectRule(), new IndexSelectRule());
    private sealed class IndexSelectRule : IVjpRule, IJvpRule
    {
        public T Vjp<T>(IAlgebra<T> m, int i, in VjpArgs<T> a) => m.IndexAdd(a.Grad, Axis(a.Attributes), a.Attributes.Indices!, m.Shape(a.Inputs[0]));
        public T Jvp<T>(IAlgebra<T> m, in JvpArgs<T> a) => m.IndexSelect(a.Tangents[0]!, Axis(a.Attributes), a.Attributes.Indices!);
    }

    // d index_add(src -> shape) = index_select(g);  t = index_add(tsrc)
    public static readonly OpDefinition IndexAdd = new("index_add", 1, IndexAddShape,
        (x, at) => TensorOps.IndexAdd(x[0], Axis(at), at.Indices!, at.Shape!), new IndexAddRule(), new IndexAddRule());
    private sealed class IndexAddRule : IVjpRule, IJvpRule
    {
        public T Vjp<T>(IAlgebra<T> m, int i, in VjpArgs<T> a) => m.IndexSelect(a.Grad, Axis(a.Attributes), a.Attributes.Indices!);
        public T Jvp<T>(IAlgebra<T> m, in JvpArgs<T> a) => m.IndexAdd(a.Tangents[0]!, Axis(a.Attributes), a.Attributes.Indices!, a.Attributes.Shape!);
    }

    // d gather(x, axis, index) = scatter_add(index, g) into x's shape, nothing to the index;  t = gather(tx)
    public static readonly OpDefinition Gather = new("gather", 2,
        (s, at) => { TensorOps.GatherAxis(s[0], Axis(at), s[1], "gather"); return s[1]; },
        (x, at) => TensorOps.Gather(x[0], Axis(at), x[1]), new GatherRule(), new GatherRule());
    private sealed class GatherRule : IVjpRule, IJvpRule
    {
        public T Vjp<T>(IAlgebra<T> m, int i, in VjpArgs<T> a) => i == 0
            ? m.ScatterAdd(a.Inputs[1], a.Grad, Axis(a.Attributes), m.Shape(a.Inputs[0]))
            : m.ZerosLike(a.Inputs[1]);
        public T Jvp<T>(IAlgebra<T> m, in JvpArgs<T> a) => a.Tangents[0] is { } tx
            ? m.Gather(tx, Axis(a.Attributes), a.Inputs[1])
            : m.ZerosLike(a.Result);
    }

    // d scatter_add(index, src -> shape) = nothing to the index, gather(g) to the source;  t = scatter_add(index, tsrc)
    public static readonly OpDefinition ScatterAdd = new("scatter_add", 2, ScatterAddShape,
        (x, at) => TensorOps.ScatterAdd(x[0], x[1], Axis(at), at.Shape!), new ScatterAddRule(), new ScatterAddRule());
    private sealed class ScatterAddRule : IVjpRule, IJvpRule
    {
        public T Vjp<T>(IAlgebra<T> m, int i, in VjpArgs<T> a) => i == 0
            ? m.ZerosLike(a.Inputs[0])
            : m.Gather(a.Grad, Axis(a.Attributes), a.Inputs[0]);
        public T Jvp<T>(IAlgebra<T> m, in JvpArgs<T> a) => a.Tangents[1] is { } ts
            ? m.ScatterAdd(a.Inputs[0], ts, Axis(a.Attributes), a.Attributes.Shape!)
            : m.ZerosLike(a.Result);
    }

    // d concat(x0, x1, ..., axis) = each input's block of g;  t = concat(t0, t1, ...) (zeros for an input without a tangent)
    public static readonly OpDefinition Concat = new("concat", AnyArity, ConcatShape,
        (x, at) => TensorOps.Concat(Axis(at), x), new ConcatRule(), new ConcatRule());
    private sealed class ConcatRule : IVjpRule, IJvpRule
    {
        public T Vjp<T>(IAlgebra<T> m, int i, in VjpArgs<T> a)
        {
            var axis = Shapes.NormalizeAxis(Axis(a.Attributes), m.Shape(a.Grad).Length, "concat");
            var start = 0;
            for (var k = 0; k < i; k++) start += m.Shape(a.Inputs[k])[axis];
            return m.IndexSelect(a.Grad, axis, Enumerable.Range(start, m.Shape(a.Inputs[i])[axis]).ToArray());
        }

        public T Jvp<T>(IAlgebra<T> m, in JvpArgs<T> a)
        {
            var parts = new T[a.Inputs.Length];
            for (var k = 0; k < parts.Length; k++) parts[k] = a.Tangents[k] ?? m.ZerosLike(a.Inputs[k]);
            return m.Concat(parts, Axis(a.Attributes));
        }
    }

    // ---- attributes and shape rules of the selection ops ----

    /// <summary>The op's one axis (Axes holds exactly one).</summary>
    private static int Axis(OpAttributes at) => at.Axes is [var axis] ? axis
        : throw new ArgumentException($"The op needs exactly one axis, got {(at.Axes is null ? "none" : $"[{string.Join(", ", at.Axes)}]")}.");

    private static int[] Indices(OpAttributes at, string op) => at.Indices ?? throw new ArgumentException($"{op}: the indices are missing.");

    private static int[] AxisShape(int[] shape, OpAttributes at, string op)
    {
        Shapes.NormalizeAxis(Axis(at), shape.Length, op);
        return shape;
    }

    private static int[] TopKShape(int[][] s, OpAttributes at)
    {
        var axis = Shapes.NormalizeAxis(Axis(at), s[0].Length, "topk");
        var size = s[0].Length == 0 ? 1 : s[0][axis];
        if (at.K is not { } k || k < 0 || k > size)
            throw new ArgumentException($"topk: k = {at.K?.ToString() ?? "(missing)"} is out of range for axis {Axis(at)} of size {size} in shape {Shapes.Format(s[0])}.");
        if (s[0].Length == 0) return [];
        var shape = (int[])s[0].Clone();
        shape[axis] = k;
        return shape;
    }

    private static int[] ArgShape(int[] shape, OpAttributes at, string op)
    {
        if (Shapes.ElementCount(shape) == 0) throw new ArgumentException($"{op}: the tensor of shape {Shapes.Format(shape)} has no elements.");
        if (at.Axes is null) return at.KeepDims ? Enumerable.Repeat(1, shape.Length).ToArray() : [];
        var axis = Shapes.NormalizeAxis(Axis(at), shape.Length, op);
        return Shapes.Reduced(shape, shape.Length == 0 ? [] : [axis], at.KeepDims);
    }

    private static int[] IndexAddShape(int[][] s, OpAttributes at)
    {
        var shape = at.Shape ?? throw new ArgumentException("index_add: the result shape is missing.");
        var axis = Shapes.NormalizeAxis(Axis(at), shape.Length, "index_add");
        var expected = TensorOps.IndexSelectShape(shape, axis, Indices(at, "index_add"), "index_add");
        if (!s[0].AsSpan().SequenceEqual(expected))
            throw new ArgumentException($"index_add: source {Shapes.Format(s[0])} does not fit {at.Indices!.Length} indices into {Shapes.Format(shape)} along axis {Axis(at)}; {Shapes.Format(expected)} was expected.");
        return (int[])shape.Clone();
    }

    private static int[] ScatterAddShape(int[][] s, OpAttributes at)
    {
        var shape = at.Shape ?? throw new ArgumentException("scatter_add: the result shape is missing.");
        if (!s[0].AsSpan().SequenceEqual(s[1]))
            throw new ArgumentException($"scatter_add: index {Shapes.Format(s[0])} and source {Shapes.Format(s[1])} differ in shape.");
        TensorOps.GatherAxis(shape, Axis(at), s[0], "scatter_add");
        return (int[])shape.Clone();
    }

    private static int[] ConcatShape(int[][] s, OpAttributes at)
    {
        if (s.Length == 0) throw new ArgumentException("concat: needs at least one input.");
        var first = s[0];
        if (first.Length == 0) throw new ArgumentException("concat: a 0-d input cannot be concatenated; stack it instead.");
        var axis = Shapes.NormalizeAxis(Axis(at), first.Length, "concat");
        var shape = (int[])first.Clone();
        for (var k = 1; k < s.Length; k++)
        {
            var same = s[k].Length == first.Length;
            for (var d = 0; same && d < first.Length; d++) same = d == axis || s[k][d] == first[d];
            if (!same) throw new ArgumentException($"concat: input {k} of shape {Shapes.Format(s[k])} does not match input 0 of shape {Shapes.Format(first)} outside axis {Axis(at)}.");
            shape[axis] += s[k][axis];
        }
        return shape;
    }
}
