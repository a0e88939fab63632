using ActorGrad.Engine.Tensors;

namespace ActorGrad.Engine.Tests.Tensors;

public class GemmTests
{
    public static TheoryData<int, int, int> Sizes => new()
    {
        { 1, 1, 1 }, { 1, 37, 5 }, { 37, 1, 5 }, { 5, 7, 1 }, { 0, 4, 3 }, { 4, 0, 3 }, { 3, 4, 0 },
        { 6, 32, 17 }, { 7, 33, 19 }, { 13, 65, 300 }, { 97, 45, 257 }, { 256, 10, 512 }, { 200, 300, 150 }, { 300, 40, 200 },
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void AllTransposeCombinationsMatchNaiveProduct(int m, int n, int k)
    {
        foreach (var transA in new[] { false, true })
        foreach (var transB in new[] { false, true })
        {
            using var a = Reference.Random(m * 31 + k, transA ? [k, m] : [m, k]);
            using var b = Reference.Random(n * 17 + k, transB ? [n, k] : [k, n]);
            using var c = TensorOps.MatMul(a, b, transA, transB);
            Assert.Equal([m, n], c.Shape);
            Reference.AssertClose(Reference.MatMul(a.ToArray(), b.ToArray(), m, n, k, transA, transB), c.ToArray(), 1e-4f, $"{m}x{n}x{k} {transA} {transB}");
        }
    }

    [Fact]
    public void SingleThreadAndTwoThreadsGiveTheSameBits()
    {
        using var a = Reference.Random(1, 300, 200);
        using var b = Reference.Random(2, 200, 250);
        float[] one, two;
        using (ComputeThreads.Limit(1)) one = TensorOps.MatMul(a, b).ToArray();
        using (ComputeThreads.Limit(2)) two = TensorOps.MatMul(a, b).ToArray();
        // A shard's gradient must not depend on the threads its member gives it: the split is over outputs, never a sum.
        Assert.Equal(one.Select(BitConverter.SingleToInt32Bits), two.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void VectorAndBatchedForms()
    {
        using var m = Tensor.Arange(6).Reshaped(2, 3);
        using var v = Tensor.FromArray([1f, 2f, 3f]);
        using var w = Tensor.FromArray([1f, -1f]);
        Assert.Equal([8f, 26f], TensorOps.MatMul(m, v).ToArray());
        Assert.Equal([-3f, -3f, -3f], TensorOps.MatMul(w, m).ToArray());
        Assert.Equal(14f, TensorOps.MatMul(v, v).Item());
        Assert.Equal(14f, TensorOps.Dot(v, v).Item());
        Assert.Equal([1f, 2, 3, 2, 4, 6, 3, 6, 9], TensorOps.Outer(v, v).ToArray());

        using var a = Reference.Random(3, 4, 5, 6);
        using var b = Reference.Random(4, 4, 6, 7);
        using var c = TensorOps.MatMul(a, b);
        Assert.Equal([4, 5, 7], c.Shape);
        for (var i = 0; i < 4; i++)
        {
            var expected = Reference.MatMul(TensorOps.Slice(a, 0, i, 1).ToArray(), TensorOps.Slice(b, 0, i, 1).ToArray(), 5, 7, 6, false, false);
            Reference.AssertClose(expected, TensorOps.Slice(c, 0, i, 1).ToArray(), 1e-4f);
        }
        using var shared = Reference.Random(5, 6, 7);
        using var broadcast = TensorOps.MatMul(a, shared);
        Assert.Equal([4, 5, 7], broadcast.Shape);
        Reference.AssertClose(Reference.MatMul(TensorOps.Slice(a, 0, 2, 1).ToArray(), shared.ToArray(), 5, 7, 6, false, false),
            TensorOps.Slice(broadcast, 0, 2, 1).ToArray(), 1e-4f);
    }

    [Fact]
    public void MismatchedInnerDimensionsNameBothShapes()
    {
        var error = Assert.Throws<ArgumentException>(() => TensorOps.MatMul(Tensor.Zeros(2, 3), Tensor.Zeros(4, 5)));
        Assert.Contains("[2, 3]", error.Message);
        Assert.Contains("[4, 5]", error.Message);
        Assert.Throws<ArgumentException>(() => TensorOps.Dot(Tensor.Zeros(3), Tensor.Zeros(4)));
        Assert.Throws<ArgumentException>(() => TensorOps.MatMul(Tensor.Zeros(2, 2, 2, 2), Tensor.Zeros(2, 2)));
    }

    [Fact]
    public void NaNInAnOperandReachesTheProduct()
    {
        using var a = Tensor.Ones(3, 3);
        a[1, 1] = float.NaN;
        using var c = TensorOps.MatMul(a, Tensor.Ones(3, 3));
        Assert.True(float.IsNaN(c[1, 0]));
        Assert.False(float.IsNaN(c[0, 0]));
    }
}
