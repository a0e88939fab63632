using ActorGrad.Engine.Tensors;

namespace ActorGrad.Engine.Tests.Tensors;

/// <summary>The selection, indexing and stable kernels: values, PyTorch's conventions (NaN, ties, 0-d) and their errors.</summary>
public class SelectionKernelTests
{
    private static Tensor T(float[] values, params int[] shape) => Tensor.FromArray(values, shape);

    [Fact]
    public void GatherAndScatterAddAreAdjoint()
    {
        using var x = T([1, 2, 3, 4, 5, 6], 2, 3);
        using var index = T([2, 2, 0, 1], 2, 2);
        using var gathered = TensorOps.Gather(x, 1, index);
        Assert.Equal([3f, 3f, 4f, 5f], gathered.ToArray());
        using var scattered = TensorOps.ScatterAdd(index, T([1, 10, 100, 1000], 2, 2), -1, [2, 3]);
        Assert.Equal([0f, 0f, 11f, 100f, 1000f, 0f], scattered.ToArray());
    }

    [Fact]
    public void IndexSelectAndIndexAddAreAdjoint()
    {
        using var x = T([1, 2, 3, 4, 5, 6], 3, 2);
        using var picked = TensorOps.IndexSelect(x, 0, [2, 0, 2]);
        Assert.Equal([5f, 6f, 1f, 2f, 5f, 6f], picked.ToArray());
        using var added = TensorOps.IndexAdd(picked, 0, [2, 0, 2], [3, 2]);
        Assert.Equal([1f, 2f, 0f, 0f, 10f, 12f], added.ToArray());
    }

    [Fact]
    public void SortIsStableAndPutsNaNLastAsPyTorch()
    {
        using var x = T([2, float.NaN, -1, 2, float.NegativeInfinity], 5);
        using var order = TensorOps.ArgSort(x, 0, descending: false);
        Assert.Equal([4f, 2f, 0f, 3f, 1f], order.ToArray());
        using var descending = TensorOps.ArgSort(x, -1, descending: true);
        Assert.Equal([1f, 0f, 3f, 2f, 4f], descending.ToArray());
        using var top = TensorOps.TopK(T([3, 9, 1, 7], 4), 2, 0, largest: true);
        Assert.Equal([9f, 7f], top.ToArray());
    }

    [Fact]
    public void ArgExtremaAreFloatIndicesOfTheFirstExtremum()
    {
        using var x = T([1, 5, 5, 0, -2, 0], 2, 3);
        Assert.Equal([4f], TensorOps.ArgExtremum(x, null, false, max: false).ToArray());
        Assert.Equal([1f, 0f], TensorOps.ArgExtremum(x, -1, false, max: true).ToArray());
        Assert.Equal([1, 3], TensorOps.ArgExtremum(x, 0, keepDims: true, max: true).Shape);
        Assert.Equal([2f], TensorOps.ArgExtremum(T([1, 2, float.NaN, 3], 4), 0, false, max: true).ToArray());
    }

    [Fact]
    public void LogSumExpIsStableAndHandlesInfiniteRows()
    {
        using var x = T([1000, 1000, float.NegativeInfinity, float.NegativeInfinity, -1000, -1000], 3, 2);
        var y = TensorOps.LogSumExp(x, [-1]).ToArray();
        Assert.Equal(1000f + MathF.Log(2), y[0], 1e-3f);
        Assert.Equal(float.NegativeInfinity, y[1]);
        Assert.Equal(-1000f + MathF.Log(2), y[2], 1e-3f);
    }

    [Fact]
    public void SoftplusAndLogSigmoidAreFiniteAtTheEdges()
    {
        using var x = T([-100, 0, 1e-30f, 100], 4);
        Assert.Equal([MathF.Exp(-100), MathF.Log(2), MathF.Log(2), 100f], TensorOps.Softplus(x).ToArray());
        var logSigmoid = TensorOps.LogSigmoid(x).ToArray();
        Assert.Equal([-100f, -MathF.Log(2), -MathF.Log(2)], logSigmoid[..3]);
        Assert.Equal(-MathF.Exp(-100), logSigmoid[3]); // log1p of a tiny number is that number, not 0
    }

    [Fact]
    public void TanhIsAccurateNearZero()
    {
        using var x = T([0f, -0f, 1e-40f, 1e-10f, 1e-5f], 5);
        Assert.Equal([0f, 0f, 1e-40f, 1e-10f, MathF.Tanh(1e-5f)], TensorOps.Tanh(x).ToArray());
    }

    [Fact]
    public void AxisMinusOneAndZeroNameA0dTensorAsInPyTorch()
    {
        using var s = Tensor.Scalar(3f);
        Assert.Equal(0, Shapes.NormalizeAxis(-1, 0, "sum"));
        Assert.Equal(3f, TensorOps.Sum(s, [-1]).Item());
        Assert.Empty(TensorOps.Sum(s, [0], keepDims: true).Shape);
        Assert.Contains("axis 1 is out of range for a tensor of rank 0", Assert.Throws<ArgumentException>(() => TensorOps.Sum(s, [1])).Message);
        Assert.Contains("axis -2", Assert.Throws<ArgumentException>(() => TensorOps.Sum(s, [-2])).Message);
    }

    [Fact]
    public void BadIndicesAreClearErrors()
    {
        using var x = T([1, 2, 3, 4], 2, 2);
        Assert.Contains("index value 2 at flat position 1 is not a whole number in 0..1",
            Assert.Throws<ArgumentException>(() => TensorOps.Gather(x, 1, T([0, 2], 2, 1))).Message);
        Assert.Contains("index value 0.5", Assert.Throws<ArgumentException>(() => TensorOps.Gather(x, 1, T([0, 0.5f], 2, 1))).Message);
        Assert.Contains("index 5 (position 0) is out of range for axis 0 of size 2", Assert.Throws<ArgumentException>(() => TensorOps.IndexSelect(x, 0, [5])).Message);
        Assert.Contains("k = 3 is out of range", Assert.Throws<ArgumentException>(() => TensorOps.TopK(x, 3, 1, true)).Message);
        Assert.Contains("must have the rank", Assert.Throws<ArgumentException>(() => TensorOps.Gather(x, 0, T([0], 1))).Message);
    }
}
