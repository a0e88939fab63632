namespace ActorGrad.Nodes.Ops;

/// <summary>
/// The algebra's members for the selection, indexing and numerically stable ops. Those that return a constant
/// (a mask, indices, zeros) carry no gradient; the others are ops of the table, so rules written with them can be
/// differentiated again.
/// </summary>
public partial interface IAlgebra<T>
{
    /// <summary>Zeros of x's shape, a constant.</summary>
    T ZerosLike(T x);
    /// <summary>1 where min &lt;= x &lt;= max (a missing bound is no bound), else 0; a constant.</summary>
    T InRange(T x, float? min, float? max);
    /// <summary>The indices that sort x along the axis (stable), as float values; a constant.</summary>
    T ArgSort(T x, int axis, bool descending);

    T Sigmoid(T x);
    /// <summary>condition != 0 ? a : b, broadcast together; no gradient to the condition.</summary>
    T Where(T condition, T a, T b);
    /// <summary>torch.gather along the axis with an index tensor (a constant).</summary>
    T Gather(T x, int axis, T index);
    /// <summary>zeros(shape) with source added at the index along the axis: gather's adjoint.</summary>
    T ScatterAdd(T index, T source, int axis, int[] shape);
    /// <summary>The slices at the indices along the axis.</summary>
    T IndexSelect(T x, int axis, int[] indices);
    /// <summary>zeros(shape) with the source's slices added at the indices along the axis: index-select's adjoint.</summary>
    T IndexAdd(T source, int axis, int[] indices, int[] shape);
    T Concat(T[] xs, int axis);
}
