using ActorGrad.Engine.Tensors;

namespace ActorGrad.Engine.Tests.Tensors;

/// <summary>
/// A borrowed tensor (Tensor.Borrow) views a caller's storage: it reads the same values without a copy, refuses to be
/// written, copies on TakeWritable, is never held by a deferred op, and disposing it leaves the storage to its source.
/// </summary>
public class BorrowedTensorTests
{
    private const int Large = 3 * Tensor.PooledLength; // pooled storage: a wrong return to the pool would show

    [Fact]
    public void AViewReadsTheSourcesValuesWithoutACopy()
    {
        using var source = Tensor.RandomNormal(1, 3, Large / 3);
        using var view = Tensor.Borrow(source);
        Assert.Equal(source.Shape, view.Shape);
        Assert.True(view.IsBorrowed);
        Assert.True(view.IsReadOnly);
        Assert.False(source.IsReadOnly);
        source.Span[5] = 42f;
        Assert.Equal(42f, view.Span[5]); // the same storage
    }

    [Fact]
    public void InPlaceOpsRefuseAView()
    {
        using var source = Tensor.RandomNormal(2, Large);
        var before = source.ToArray();
        using var view = Tensor.Borrow(source);
        using var other = Tensor.Ones(Large);
        Assert.Throws<InvalidOperationException>(() => TensorOps.AddInPlace(view, other));
        Assert.Throws<InvalidOperationException>(() => TensorOps.AddScaledInPlace(view, other, 2f));
        Assert.Equal(before, source.ToArray());
    }

    [Fact]
    public void TakeWritableCopiesAViewAndLeavesTheSourceAsItWas()
    {
        using var source = Tensor.RandomNormal(3, Large);
        var before = source.ToArray();
        var view = Tensor.Borrow(source);
        using var own = view.TakeWritable();
        Assert.NotSame(view, own);
        Assert.True(view.IsDisposed);
        Assert.False(own.IsReadOnly);
        TensorOps.AddInPlace(own, own);
        Assert.Equal(before, source.ToArray());
        Assert.False(source.IsDisposed);
    }

    [Fact]
    public void DisposingAViewGivesNothingBackToThePool()
    {
        using var source = Tensor.RandomNormal(4, Large);
        var before = source.ToArray();
        Tensor.Borrow(source).Dispose();
        // Had the view returned the storage, these same-length rentals would take it and overwrite the source.
        var rented = Enumerable.Range(0, 4).Select(_ => Tensor.Full(7f, Large)).ToArray();
        Assert.Equal(before, source.ToArray());
        foreach (var t in rented) t.Dispose();
    }

    [Fact]
    public void ADeferredOpReadsAViewAtOnceInsteadOfHoldingIt()
    {
        using var source = Tensor.RandomNormal(5, Large);
        using var view = Tensor.Borrow(source);
        using var deferred = TensorOps.Deferred.Mul(view, 2f);
        Assert.False(deferred.IsDeferred); // computed now: the caller may change the source once the pass is over
        using var plain = TensorOps.Mul(source, 2f);
        Assert.Equal(plain.ToArray(), deferred.ToArray());
    }
}
