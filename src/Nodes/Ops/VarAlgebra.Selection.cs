using ActorGrad.Engine.Tensors;

namespace ActorGrad.Nodes.Ops;

/// <summary>
/// The selection, indexing and stable ops' members of the algebra on recorded Vars (see IAlgebra.Selection.cs):
/// ops of the table, so create-graph passes differentiate through them; masks, indices and zeros are constants.
/// The other part of this class (VarAlgebra.cs, gradients of gradients) implements the rest of IAlgebra&lt;Var&gt;.
/// </summary>
internal sealed partial class VarAlgebra
{
    public Var ZerosLike(Var x) => Var.Constant(x.Session, Tensor.Zeros(x.Shape));
    public Var InRange(Var x, float? min, float? max) => Var.Constant(x.Session, TensorOps.InRange(x.ReadValue(), min, max));
    public Var ArgSort(Var x, int axis, bool descending) => Var.Constant(x.Session, TensorOps.ArgSort(x.ReadValue(), axis, descending));
    public Var Sigmoid(Var x) => x.Sigmoid();
    public Var Where(Var condition, Var a, Var b) => Var.Where(condition, a, b);
    public Var Gather(Var x, int axis, Var index) => x.Gather(axis, index);
    public Var ScatterAdd(Var index, Var source, int axis, int[] shape) => Var.ScatterAdd(shape, axis, index, source);
    public Var IndexSelect(Var x, int axis, int[] indices) => x.IndexSelect(axis, indices);
    public Var IndexAdd(Var source, int axis, int[] indices, int[] shape) => Var.IndexAdd(shape, axis, indices, source);
    public Var Concat(Var[] xs, int axis) => Var.Concat(axis, xs);
}
