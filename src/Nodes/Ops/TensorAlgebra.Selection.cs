using ActorGrad.Engine.Tensors;

namespace ActorGrad.Nodes.Ops;

/// <summary>The selection, indexing and stable ops' members of the algebra on raw tensors (see IAlgebra.Selection.cs).</summary>
internal sealed partial class TensorAlgebra
{
    public Tensor ZerosLike(Tensor x) => Made(Tensor.Zeros(x.Shape));
    public Tensor InRange(Tensor x, float? min, float? max) => Made(TensorOps.InRange(x, min, max));
    public Tensor ArgSort(Tensor x, int axis, bool descending) => Made(TensorOps.ArgSort(x, axis, descending));
    public Tensor Sigmoid(Tensor x) => Made(TensorOps.Sigmoid(x));
    public Tensor Where(Tensor condition, Tensor a, Tensor b) => Made(TensorOps.Where(condition, a, b));
    public Tensor Gather(Tensor x, int axis, Tensor index) => Made(TensorOps.Gather(x, axis, index));
    public Tensor ScatterAdd(Tensor index, Tensor source, int axis, int[] shape) => Made(TensorOps.ScatterAdd(index, source, axis, shape));
    public Tensor IndexSelect(Tensor x, int axis, int[] indices) => Made(TensorOps.IndexSelect(x, axis, indices));
    public Tensor IndexAdd(Tensor source, int axis, int[] indices, int[] shape) => Made(TensorOps.IndexAdd(source, axis, indices, shape));
    public Tensor Concat(Tensor[] xs, int axis) => Made(TensorOps.Concat(axis, xs));
}
