using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes.Ops;

namespace ActorGrad.Nodes.Tests;

/// <summary>The stable, selection and indexing primitives against finite differences (random values: no ties, no kinks).</summary>
public sealed partial class GradientCheckTests
{
    private Var Mask(params int[] shape)
    {
        var t = Tensor.RandomUniform(_seed++, shape);
        var span = t.Span;
        for (var i = 0; i < span.Length; i++) span[i] = span[i] > 0.5f ? 1f : 0f;
        return _s.Tensor(t);
    }

    [Fact] public void SigmoidPrimitive() => Check(v => v[0].Sigmoid(), Input(3, 4));
    [Fact] public void Softplus() => Check(v => v[0].Softplus(), Input(3, 4));
    [Fact] public void LogSigmoid() => Check(v => v[0].LogSigmoid(), Input(3, 4));
    [Fact] public void LogSumExpAll() => Check(v => v[0].LogSumExp(), Input(3, 4));
    [Fact] public void LogSumExpAxisKeepDims() => Check(v => v[0].LogSumExp(-1, keepDims: true) * v[1], Input(3, 4), Input(3, 1));
    [Fact] public void LogSumExpAxes() => Check(v => v[0].LogSumExp([0, 2]), Input(2, 3, 2));
    [Fact] public void Clamp() => Check(v => v[0].Clamp(-0.8f, 0.9f), Input(4, 5));
    [Fact] public void ClampBelowOnly() => Check(v => v[0].Clamp(min: 0f), Input(4, 5));
    [Fact] public void Maximum() => Check(v => Var.Maximum(v[0], v[1]), Input(3, 4), Input(4));
    [Fact] public void Minimum() => Check(v => Var.Minimum(v[0], v[1]), Input(3, 1), Input(3, 4));
    [Fact] public void Where() { var c = Mask(3, 4); Check(v => Var.Where(c, v[0], v[1]), Input(3, 4), Input(4)); }
    [Fact] public void Sort() => Check(v => v[0].Sort(), Input(3, 5));
    [Fact] public void SortDescendingAlongAxis0() => Check(v => v[0].Sort(0, descending: true), Input(4, 3));
    [Fact] public void TopK() => Check(v => v[0].TopK(2), Input(3, 5));
    [Fact] public void TopKSmallestAlongAxis0() => Check(v => v[0].TopK(3, axis: 0, largest: false), Input(5, 2));
    [Fact] public void ArgMaxTimesX() => Check(v => v[0].ArgMax(1) * v[0].Sum(1), Input(3, 4));
    [Fact] public void ArgMinTimesX() => Check(v => v[0].ArgMin() * v[0], Input(5));
    [Fact] public void Select() => Check(v => v[0].Select(1) * v[0].Select(-1, axis: 1).Sum(), Input(3, 4));
    [Fact] public void SliceWithStep() => Check(v => v[0].Slice(1, null, 2, axis: -1), Input(3, 6));
    [Fact] public void SliceBackwards() => Check(v => v[0].Slice(-1, 0, -2), Input(6, 2));
    [Fact] public void RangeIndexer() => Check(v => v[0][1..^1], Input(5, 2));
    [Fact] public void IndexSelectWithRepeats() => Check(v => v[0].IndexSelect(1, [2, 0, 2, 2]), Input(3, 4));
    [Fact] public void IndexAdd() => Check(v => Var.IndexAdd([5, 2], 0, [3, 0, 3], v[0]), Input(3, 2));
    [Fact] public void GatherLabels() => Check(v => v[0].Gather(1, _s.Tensor([2, 0, 3], 3, 1)), Input(3, 4));
    [Fact] public void GatherAlongAxis0() => Check(v => v[0].Gather(0, _s.Tensor([1, 0, 1, 2, 2, 0], 2, 3)), Input(3, 3));
    [Fact] public void ScatterAdd() => Check(v => Var.ScatterAdd([2, 4], 1, _s.Tensor([3, 3, 1, 0, 2, 0], 2, 3), v[0]), Input(2, 3));
    [Fact] public void Concat() => Check(v => Var.Concat(1, v[0], v[1], v[0]), Input(2, 3), Input(2, 1));
    [Fact] public void Stack() => Check(v => Var.Stack(-1, v[0], v[1]), Input(2, 3), Input(2, 3));
    [Fact] public void SoftmaxOfSaturatedLogits() => Check(v => (v[0] * 30f).LogSoftmax(), Input(2, 5));
}
