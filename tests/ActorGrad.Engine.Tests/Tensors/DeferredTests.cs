using ActorGrad.Engine.Tensors;

namespace ActorGrad.Engine.Tests.Tensors;

/// <summary>
/// Deferred element-wise tensors: a chain evaluated block by block gives the op-by-op bits at every width, operands
/// outlive their Dispose while a deferred tensor may read them, only read-only operands are held, and the limits
/// (depth, ops per element) hold.
/// </summary>
public class DeferredTests
{
    public static TheoryData<Isa> Paths() => GemmKernelPathTests.Paths();

    // Below and above the parallel split, with SIMD and block tails.
    public static TheoryData<int> Lengths() => new() { ElementwiseDriver.DeferThreshold, ElementwiseDriver.DeferThreshold + 13, 9 * ElementwiseRecipe.BlockLength + 7, ElementwiseDriver.ParallelThreshold * 2 + 5 };

    private static Tensor ReadOnlyRandom(int seed, int length)
    {
        var t = Tensor.RandomNormal(seed, length);
        t.MarkReadOnly();
        return t;
    }

    /// <summary>tanh(x*1.01 + 0.1), then exp(-t*t) * x / (t + 2) - t: unary, scalar and tensor-tensor ops, a shared operand.</summary>
    private static Tensor Chain(Tensor x, bool deferred)
    {
        Func<Tensor, float, Tensor> mulS = deferred ? TensorOps.Deferred.Mul : TensorOps.Mul;
        Func<Tensor, float, Tensor> addS = deferred ? TensorOps.Deferred.Add : TensorOps.Add;
        Func<Tensor, Tensor> tanh = deferred ? TensorOps.Deferred.Tanh : TensorOps.Tanh;
        Func<Tensor, Tensor> neg = deferred ? TensorOps.Deferred.Neg : TensorOps.Neg;
        Func<Tensor, Tensor> exp = deferred ? TensorOps.Deferred.Exp : TensorOps.Exp;
        Func<Tensor, Tensor, Tensor> mul = deferred ? TensorOps.Deferred.Mul : TensorOps.Mul;
        Func<Tensor, Tensor, Tensor> div = deferred ? TensorOps.Deferred.Div : TensorOps.Div;
        Func<Tensor, Tensor, Tensor> sub = deferred ? TensorOps.Deferred.Sub : TensorOps.Sub;
        using var m = mulS(x, 1.01f);
        using var a = addS(m, 0.1f);
        using var t = tanh(a);
        using var n = neg(t);
        using var sq = mul(n, t);
        using var e = exp(sq);
        using var ex = mul(e, x);
        using var t2 = addS(t, 2f);
        using var q = div(ex, t2);
        return sub(q, t);
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void AChainGivesTheOpByOpBits(int length)
    {
        using var x = ReadOnlyRandom(3, length);
        using var eager = Chain(x, deferred: false);
        using var deferred = Chain(x, deferred: true);
        Assert.True(deferred.IsDeferred);
        Assert.Equal(eager.ToArray(), deferred.ToArray());
        Assert.False(deferred.IsDeferred);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void AChainGivesTheOpByOpBitsAtEveryWidth(Isa isa)
    {
        using var scope = KernelIsa.Force(isa);
        using var x = ReadOnlyRandom(4, ElementwiseDriver.DeferThreshold + 29);
        using var eager = Chain(x, deferred: false);
        using var deferred = Chain(x, deferred: true);
        Assert.Equal(eager.ToArray(), deferred.ToArray());
    }

    [Fact]
    public void AnEagerOpReadsADeferredOperandInItsOwnPass()
    {
        using var x = ReadOnlyRandom(5, ElementwiseDriver.DeferThreshold);
        using var m = TensorOps.Deferred.Mul(x, 3f);
        using var y = TensorOps.Tanh(m);
        Assert.False(y.IsDeferred);
        Assert.True(m.IsDeferred); // m itself was never written
        using var expected = TensorOps.Tanh(TensorOps.Mul(x, 3f));
        Assert.Equal(expected.ToArray(), y.ToArray());
    }

    [Fact]
    public void OnlyReadOnlyOperandsLargeEnoughAreHeld()
    {
        using var writable = Tensor.RandomNormal(6, ElementwiseDriver.DeferThreshold);
        using var small = ReadOnlyRandom(7, ElementwiseDriver.DeferThreshold - 1);
        using var large = ReadOnlyRandom(8, ElementwiseDriver.DeferThreshold);
        using var fromWritable = TensorOps.Deferred.Exp(writable);
        using var fromSmall = TensorOps.Deferred.Exp(small);
        using var fromLarge = TensorOps.Deferred.Exp(large);
        using var mixed = TensorOps.Deferred.Add(large, writable);
        Assert.False(fromWritable.IsDeferred);
        Assert.False(fromSmall.IsDeferred);
        Assert.True(fromLarge.IsDeferred);
        Assert.False(mixed.IsDeferred);
        // A writable operand written after the op does not change its result.
        var before = fromWritable.ToArray();
        writable.Span.Fill(0f);
        Assert.Equal(before, fromWritable.ToArray());
    }

    [Fact]
    public void AScalarOperandIsReadWhenTheOpIsMade()
    {
        using var x = ReadOnlyRandom(9, ElementwiseDriver.DeferThreshold);
        using var s = Tensor.Scalar(2f);
        using var y = TensorOps.Deferred.Mul(x, s);
        s.Span[0] = 5f;
        Assert.True(y.IsDeferred);
        using var expected = TensorOps.Mul(x, 2f);
        Assert.Equal(expected.ToArray(), y.ToArray());
    }

    [Fact]
    public void OperandsDisposedFirstStayReadableForTheTensorsThatHoldThem()
    {
        var x = ReadOnlyRandom(10, ElementwiseDriver.DeferThreshold);
        using var expected = TensorOps.Exp(TensorOps.Mul(x, 0.5f));
        var half = TensorOps.Deferred.Mul(x, 0.5f);
        using var y = TensorOps.Deferred.Exp(half);
        x.Dispose();
        half.Dispose();
        Assert.True(x.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => x.Span.ToArray());
        Assert.Equal(expected.ToArray(), y.ToArray());
    }

    [Fact]
    public void ADisposedTensorCannotBeHeld()
    {
        var x = ReadOnlyRandom(11, ElementwiseDriver.DeferThreshold);
        x.Dispose();
        Assert.Throws<ObjectDisposedException>(() => TensorOps.Deferred.Exp(x));
    }

    [Fact]
    public void InPlaceOpsRefuseAReadOnlyTarget()
    {
        using var x = ReadOnlyRandom(12, 8);
        using var y = Tensor.Ones(8);
        Assert.Throws<InvalidOperationException>(() => TensorOps.AddInPlace(x, y));
        Assert.Throws<InvalidOperationException>(() => TensorOps.MulInPlace(x, y));
        Assert.Throws<InvalidOperationException>(() => TensorOps.NegInPlace(x));
        Assert.Throws<InvalidOperationException>(() => TensorOps.AddScaledInPlace(x, y, 1f));
        Assert.Throws<InvalidOperationException>(() => TensorOps.CopyInto(x, y));
    }

    [Fact]
    public void AddingADeferredTensorInPlaceGivesTheBitsOfAddingItsValues()
    {
        using var x = ReadOnlyRandom(13, ElementwiseDriver.ParallelThreshold + 3);
        using var target = Tensor.RandomNormal(14, ElementwiseDriver.ParallelThreshold + 3);
        using var expected = TensorOps.Add(target, TensorOps.Tanh(x));
        using var source = TensorOps.Deferred.Tanh(x);
        TensorOps.AddInPlace(target, source);
        Assert.True(source.IsDeferred); // read block by block, never written
        Assert.Equal(expected.ToArray(), target.ToArray());
    }

    [Fact]
    public void TakeWritableGivesTheTensorItselfUnlessSomethingHoldsIt()
    {
        using var x = ReadOnlyRandom(15, ElementwiseDriver.DeferThreshold);
        var free = TensorOps.Deferred.Neg(x);
        var own = free.TakeWritable();
        Assert.Same(free, own);
        Assert.False(own.IsReadOnly);
        own.Dispose();

        var held = TensorOps.Deferred.Neg(x);
        using var reader = TensorOps.Deferred.Exp(held);
        using var copy = held.TakeWritable();
        Assert.NotSame(held, copy);
        Assert.True(held.IsDisposed);
        copy.Span.Fill(1f);
        using var expected = TensorOps.Exp(TensorOps.Neg(x));
        Assert.Equal(expected.ToArray(), reader.ToArray());
    }

    [Fact]
    public void LongChainsAndRepeatedJoinsStayBoundedAndExact()
    {
        using var x = ReadOnlyRandom(16, ElementwiseDriver.DeferThreshold);
        var expected = x.ToArray();
        var deferred = x;
        var owned = new List<Tensor>();
        // x + x forty times: each op reads its operand twice; unbounded, the last would evaluate x 2^40 times per element.
        for (var i = 0; i < 40; i++)
        {
            deferred = TensorOps.Deferred.Add(deferred, deferred);
            owned.Add(deferred);
            Assert.True(deferred.DeferredDepth <= ElementwiseRecipe.MaxDepth);
            Assert.True(deferred.DeferredCost <= ElementwiseRecipe.MaxCost);
            for (var j = 0; j < expected.Length; j++) expected[j] += expected[j];
        }
        // ...and a chain of 100 ops through two operands.
        for (var i = 0; i < 100; i++)
        {
            var half = TensorOps.Deferred.Mul(deferred, 0.5f);
            var next = TensorOps.Deferred.Sub(half, x);
            owned.Add(half);
            owned.Add(next);
            deferred = next;
            for (var j = 0; j < expected.Length; j++) expected[j] = expected[j] * 0.5f - x.Span[j];
        }
        Assert.Equal(expected, deferred.ToArray());
        foreach (var t in owned) t.Dispose();
    }

    [Fact]
    public void ThreadsReadingOneDeferredTensorAllSeeItsValues()
    {
        using var x = ReadOnlyRandom(17, ElementwiseDriver.ParallelThreshold);
        using var expected = TensorOps.Exp(TensorOps.Tanh(x));
        for (var round = 0; round < 20; round++)
        {
            using var y = TensorOps.Deferred.Exp(TensorOps.Deferred.Tanh(x));
            var results = new float[4][];
            Parallel.For(0, 4, i => results[i] = y.ToArray());
            foreach (var r in results) Assert.Equal(expected.ToArray(), r);
        }
    }

    [Theory]
    [InlineData(2.5f)]
    [InlineData(-0f)]
    [InlineData(float.NaN)]
    public void AScalarBroadcastDeferredGivesTheCopysBits(float value)
    {
        using var scalar = Tensor.Scalar(value);
        int[] shape = [4, ElementwiseDriver.DeferThreshold / 4 + 1];
        using var eager = TensorOps.BroadcastTo(scalar, shape);
        using var deferred = TensorOps.Deferred.BroadcastTo(scalar, shape);
        Assert.True(deferred.IsDeferred);
        Assert.Equal(shape, deferred.Shape);
        Assert.Equal(eager.ToArray().Select(BitConverter.SingleToInt32Bits), deferred.ToArray().Select(BitConverter.SingleToInt32Bits));
    }
}
