using ActorGrad.Engine.Tensors;

namespace ActorGrad.Engine.Tests.Tensors;

public class ReductionAndShapeTests
{
    private static float[] NaiveReduce(Tensor t, int axis, Func<IEnumerable<float>, float> f)
    {
        var (outer, n, inner) = (t.Shape[..axis].Aggregate(1, (x, y) => x * y), t.Shape[axis], t.Shape[(axis + 1)..].Aggregate(1, (x, y) => x * y));
        var result = new float[outer * inner];
        for (var o = 0; o < outer; o++)
        for (var i = 0; i < inner; i++)
            result[o * inner + i] = f(Enumerable.Range(0, n).Select(r => t.Span[(o * n + r) * inner + i]));
        return result;
    }

    public static TheoryData<int[]> Shapes3 => new() { new[] { 1 }, new[] { 17 }, new[] { 3, 5 }, new[] { 2, 3, 4 }, new[] { 5, 1, 19 }, new[] { 4, 33 } };

    [Theory]
    [MemberData(nameof(Shapes3))]
    public void ReductionsOverEachAxisMatchReference(int[] shape)
    {
        using var t = Reference.Random(7, shape);
        for (var axis = 0; axis < shape.Length; axis++)
        {
            foreach (var keep in new[] { false, true })
            {
                using var sum = TensorOps.Sum(t, [axis], keep);
                using var mean = TensorOps.Mean(t, [axis], keep);
                using var max = TensorOps.Max(t, [axis], keep);
                using var min = TensorOps.Min(t, [axis], keep);
                var expectedShape = shape.Select((d, i) => i == axis ? 1 : d).Where((d, i) => keep || i != axis).ToArray();
                Assert.Equal(expectedShape, sum.Shape);
                Reference.AssertClose(NaiveReduce(t, axis, v => v.Sum()), sum.ToArray(), 1e-5f, "sum");
                Reference.AssertClose(NaiveReduce(t, axis, v => v.Average()), mean.ToArray(), 1e-5f, "mean");
                Reference.AssertClose(NaiveReduce(t, axis, v => v.Max()), max.ToArray(), 0, "max");
                Reference.AssertClose(NaiveReduce(t, axis, v => v.Min()), min.ToArray(), 0, "min");
            }
            var arg = TensorOps.ArgExtremum(t, axis, keepDims: false, max: true).ToArray().Select(i => (int)i).ToArray();
            var maxValues = NaiveReduce(t, axis, v => v.Max());
            var (_, n, inner) = TensorOps.Split(t.Shape, axis);
            for (var j = 0; j < arg.Length; j++)
                Assert.Equal(maxValues[j], t.Span[(j / inner * n + arg[j]) * inner + j % inner]);
        }
        Assert.Equal(t.ToArray().Sum(), TensorOps.Sum(t).Item(), 3);
        Assert.Empty(TensorOps.Sum(t).Shape);
        Assert.Equal(t.ToArray().Max(), t.Span[(int)TensorOps.ArgExtremum(t, null, keepDims: false, max: true).Item()]);
    }

    [Fact]
    public void MultipleAxesAndNegativeAxes()
    {
        using var t = Tensor.Arange(24).Reshaped(2, 3, 4);
        using var s = TensorOps.Sum(t, [0, -1]);
        Assert.Equal([3], s.Shape);
        Assert.Equal(new float[] { 60, 92, 124 }, s.ToArray());
        using var k = TensorOps.Sum(t, [0, 2], keepDims: true);
        Assert.Equal([1, 3, 1], k.Shape);
        Assert.Throws<ArgumentException>(() => TensorOps.Sum(t, [3]));
        Assert.Throws<ArgumentException>(() => TensorOps.Sum(t, [1, -2]));
        Assert.Throws<ArgumentException>(() => TensorOps.Max(Tensor.Zeros(0)));
        Assert.Equal(0f, TensorOps.Sum(Tensor.Zeros(0)).Item());
    }

    [Theory]
    [InlineData(new[] { 2, 3 }, new[] { 3 })]
    [InlineData(new[] { 2, 3 }, new[] { 1, 3 })]
    [InlineData(new[] { 4, 2, 3 }, new[] { 2, 1 })]
    [InlineData(new[] { 4, 2, 3 }, new int[0])]
    [InlineData(new[] { 5 }, new[] { 5 })]
    public void SumToUndoesBroadcasting(int[] big, int[] small)
    {
        using var g = Reference.Random(3, big);
        using var reduced = TensorOps.SumTo(g, small);
        Assert.Equal(small, reduced.Shape);
        // <g, broadcast(v)> == <SumTo(g), v> for any v: SumTo is broadcasting's adjoint.
        using var v = Reference.Random(4, small);
        using var bv = TensorOps.BroadcastTo(v, big);
        var lhs = g.ToArray().Zip(bv.ToArray(), (x, y) => (double)x * y).Sum();
        var rhs = reduced.ToArray().Zip(v.ToArray(), (x, y) => (double)x * y).Sum();
        Assert.Equal(lhs, rhs, 3);
        Assert.Throws<ArgumentException>(() => TensorOps.SumTo(g, [7]));
    }

    [Fact]
    public void ReshapeTransposePermuteSliceConcat()
    {
        using var t = Tensor.Arange(6).Reshaped(2, 3);
        Assert.Equal([3, 2], TensorOps.Reshape(t, -1, 2).Shape);
        Assert.Throws<ArgumentException>(() => TensorOps.Reshape(t, 4, -1));
        Assert.Throws<ArgumentException>(() => TensorOps.Reshape(t, -1, -1));
        Assert.Equal([0f, 3, 1, 4, 2, 5], TensorOps.Transpose(t).ToArray());
        using var c = Tensor.Arange(24).Reshaped(2, 3, 4);
        using var p = TensorOps.Permute(c, 2, 0, 1);
        Assert.Equal([4, 2, 3], p.Shape);
        Assert.Equal(c[1, 2, 3], p[3, 1, 2]);
        Assert.Equal([1f, 2, 4, 5], TensorOps.Slice(t, 1, 1, 2).ToArray());
        Assert.Throws<ArgumentException>(() => TensorOps.Slice(t, 1, 2, 2));
        Assert.Equal([0f, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5], TensorOps.Concat(1, t, t).ToArray());
        Assert.Equal([4, 3], TensorOps.Concat(0, t, t).Shape);
        Assert.Throws<ArgumentException>(() => TensorOps.Concat(0, t, Tensor.Zeros(2, 2)));
        Assert.Equal([2, 1, 3], TensorOps.Unsqueeze(t, 1).Shape);
        Assert.Equal([2, 3], TensorOps.Squeeze(TensorOps.Unsqueeze(t, 1)).Shape);
        Assert.Equal([0f, 1, 0, 1, 0, 0], TensorOps.OneHot([1, 0], 3).ToArray());
        Assert.Equal([1f, 3], TensorOps.Gather(t, -1, Tensor.FromArray([1f, 0f], 2, 1)).ToArray());
        Assert.Throws<ArgumentException>(() => TensorOps.OneHot([3], 3));
    }

    [Fact]
    public void CreationAndPrinting()
    {
        Assert.Equal("tensor([0., 1., 2., 3.])", Tensor.Arange(4).ToString());
        Assert.Equal("tensor(28.)", Tensor.Scalar(28).ToString());
        Assert.Equal("tensor([[1., 1.],\n        [1., 1.]])", Tensor.Ones(2, 2).ToString());
        Assert.Equal([0.5f, 1f, 1.5f], Tensor.Arange(0.5f, 2f, 0.5f).ToArray());
        Assert.Equal(Tensor.RandomNormal(5, 100).ToArray(), Tensor.RandomNormal(5, 100).ToArray());
        Assert.NotEqual(Tensor.RandomNormal(5, 100).ToArray(), Tensor.RandomNormal(6, 100).ToArray());
        var u = Tensor.RandomUniform(new Random(1), -2f, 3f, 1000).ToArray();
        Assert.All(u, v => Assert.InRange(v, -2f, 3f));
        Assert.Throws<ArgumentException>(() => Tensor.FromArray([1f, 2f], 3));
        Assert.Throws<InvalidOperationException>(() => Tensor.Zeros(2).Item());
        Assert.Equal(0f, Tensor.Zeros(10_000).ToArray().Max());
    }

    [Fact]
    public void DisposedTensorRefusesUse()
    {
        var t = Tensor.Ones(10_000);
        t.Dispose();
        t.Dispose();
        Assert.True(t.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => t.ToArray());
        Assert.Throws<ObjectDisposedException>(() => TensorOps.Exp(t));
    }
}
