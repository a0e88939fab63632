using ActorGrad.Engine.Tensors;

namespace ActorGrad.Nodes.Tests;

/// <summary>The selection ops and the stable primitives as a user meets them: PyTorch's answers at the edges, negative axes, clear errors.</summary>
public sealed class SelectionOpsTests : IDisposable
{
    private readonly Session _s = new();
    public void Dispose() => _s.Dispose();

    [Fact]
    public void TheIssuesThreeNaNsAreZeroAsInPyTorch()
    {
        // A saturated sigmoid unit: the composite 1/(1+exp(-x)) gave NaN, PyTorch gives 0 (the unit stops learning, but nothing breaks).
        var x = _s.Scalar(-100f).RequiresGrad();
        x.Sigmoid().Backward();
        Assert.Equal(0f, x.Grad!.Item(), 1e-30f);

        // The norm at the zero vector.
        var v = _s.Zeros(3).RequiresGrad();
        v.Norm().Backward();
        Assert.Equal([0f, 0f, 0f], v.Grad!.ToArray());

        // d(x^x)/dx at 0: PyTorch masks exponent == 0 (for the base) and base == 0 with exponent >= 0 (for the exponent).
        var z = _s.Scalar(0f).RequiresGrad();
        z.Pow(z).Backward();
        Assert.Equal(0f, z.Grad!.Item());
    }

    [Fact]
    public void AxisMinusOneOfA0dVarIsTheVarItself()
    {
        var x = _s.Scalar(2.5f).RequiresGrad();
        var y = x.Sum(-1) + x.Max(0) + x.LogSumExp(-1) + x.Softmax(-1) + x.Mean([-1]);
        Assert.Empty(y.Shape);
        Assert.Equal(2.5f + 2.5f + 2.5f + 1f + 2.5f, y.Item(), 1e-6f);
        y.Backward();
        Assert.Equal(4f, x.Grad!.Item(), 1e-6f);
    }

    [Fact]
    public void NegativeAxesCountFromTheEnd()
    {
        var x = _s.Tensor([1, 5, 3, 2, 0, 4], 2, 3);
        Assert.Equal([5f, 3f, 4f, 2f], x.TopK(2, axis: -1).ToArray());
        Assert.Equal([1f, 2f], x.ArgMax(-1).ToArray());
        Assert.Equal([2f, 0f, 4f], x.Select(-1).ToArray());
        Assert.Equal([3f, 4f], x.Select(-1, axis: -1).ToArray());
        Assert.Equal([4f, 0f, 2f], x[^1..].Slice(null, null, -1, axis: -1).ToArray());
        Assert.Equal([2, 3, 2], Var.Stack(-1, x, x).Shape);
        Assert.Equal([2, 6], Var.Concat(-1, x, x).Shape);
        var p = _s.Tensor(Tensor.RandomNormal(9, 2, 3, 4)).RequiresGrad();
        var permuted = p.Permute(-1, 0, -2);
        Assert.Equal([4, 2, 3], permuted.Shape);
        (permuted * _s.Tensor(Tensor.Arange(24).Span.ToArray(), 4, 2, 3)).Sum().Backward();
        Assert.Equal([2, 3, 4], p.Grad!.Shape);
        Assert.Equal(6f, p.Grad![0, 0, 1]); // p[0, 0, 1] went to permuted[1, 0, 0], whose weight is 6
        Assert.Contains("not a permutation", Assert.Throws<ArgumentException>(() => p.Permute(0, 0, 1)).Message);
    }

    [Fact]
    public void ArgMaxIsAFloatValuedIndexWithoutGradient()
    {
        var x = _s.Tensor([0.5f, 3f, 3f, -1f], 4).RequiresGrad();
        var i = x.ArgMax();
        Assert.Equal(1f, i.Item()); // the first of tied maxima, as torch.argmax
        (i * x).Sum().Backward();
        Assert.Equal([1f, 1f, 1f, 1f], x.Grad!.ToArray()); // only through the product's x, not through the index
    }

    [Fact]
    public void MaximumSharesTheGradientOfATieEvenly()
    {
        var a = _s.Tensor([1f, 2f, 3f], 3).RequiresGrad();
        var b = _s.Tensor([2f, 2f, 2f], 3).RequiresGrad();
        Var.Maximum(a, b).Sum().Backward();
        Assert.Equal([0f, 0.5f, 1f], a.Grad!.ToArray());
        Assert.Equal([1f, 0.5f, 0f], b.Grad!.ToArray());
    }

    [Fact]
    public void CrossEntropyByGatherMatchesTheOneHotForm()
    {
        var logits = _s.Tensor(Tensor.RandomNormal(3, 4, 5)).RequiresGrad();
        int[] labels = [4, 0, 2, 2];
        var gathered = Var.CrossEntropy(logits, labels);
        var oneHot = -(_s.Tensor(TensorOps.OneHot(labels, 5)) * logits.LogSoftmax()).Sum() / 4;
        Assert.Equal(oneHot.Item(), gathered.Item(), 1e-6f);
        Assert.Contains("label 5 at 1 is outside 0..4", Assert.Throws<ArgumentException>(() => Var.CrossEntropy(logits, [0, 5, 1, 1])).Message);
    }

    [Fact]
    public void BadSelectionsAreClearErrorsAtTheCallSite()
    {
        var x = _s.Tensor([1, 2, 3, 4, 5, 6], 2, 3).RequiresGrad();
        Assert.Contains("select: index 2 is out of range for axis 0 of size 2", Assert.Throws<ArgumentException>(() => x.Select(2)).Message);
        Assert.Contains("step must not be zero", Assert.Throws<ArgumentException>(() => x.Slice(0, 1, 0)).Message);
        Assert.Contains("index_select: index 3 (position 1) is out of range for axis 1 of size 3", Assert.Throws<ArgumentException>(() => x.IndexSelect(-1, [0, 3])).Message);
        Assert.Contains("topk: k = 4 is out of range for axis -1 of size 3", Assert.Throws<ArgumentException>(() => x.TopK(4)).Message);
        Assert.Contains("concat: input 1 of shape [3] does not match input 0 of shape [2, 3]", Assert.Throws<ArgumentException>(() => Var.Concat(0, x, _s.Zeros(3))).Message);
        Assert.Contains("stack: expects Vars of one shape", Assert.Throws<ArgumentException>(() => Var.Stack(0, x, _s.Zeros(3, 2))).Message);
        Assert.Contains("clamp: min 2 must not be greater than max 1", Assert.Throws<ArgumentException>(() => x.Clamp(2f, 1f)).Message);
        Assert.Contains("where: shapes", Assert.Throws<ArgumentException>(() => Var.Where(_s.Ones(4), x, x)).Message);
        Assert.Contains("axis 2 is out of range", Assert.Throws<ArgumentException>(() => x.Sort(2)).Message);
        // A bad index inside the graph fails the value read (the kernel checks it), naming the value.
        var bad = x.Gather(1, _s.Tensor([0f, 7f], 2, 1));
        Assert.Contains("index value 7", Assert.Throws<InvalidOperationException>(() => bad.Item()).ToString());
    }
}
