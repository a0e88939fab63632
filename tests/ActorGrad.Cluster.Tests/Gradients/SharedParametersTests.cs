using ActorGrad.Cluster.Gradients;
using ActorGrad.Engine.Tensors;
using ActorGrad.Protocol.Tensors;

namespace ActorGrad.Cluster.Tests.Gradients;

/// <summary>
/// A member's decoded step parameters go back to the tensor pool with the last reader's lease, never earlier: a pool
/// that handed them out while the worker or an owner still reads them would corrupt a gradient silently.
/// </summary>
public sealed class SharedParametersTests
{
    // A length no other test rents, so the shared pool holds nothing else of it.
    private const int Length = TensorValuePool.PoolThreshold + 4_871;

    [Fact]
    public void DecodedValuesReturnToThePoolOnlyWithTheLastLease()
    {
        var storage = TensorValuePool.Rent(Length);
        var parameters = new SharedParameters([new WireTensor([Length], storage)]);
        var value = parameters.Values[0]; // adopted: the decoded array itself
        value.Span.Fill(3f);
        var worker = parameters.Acquire();
        var owner = parameters.Acquire();

        parameters.Release(); // the service forgets the job
        worker.Release();     // the worker forgets it
        var meanwhile = TensorValuePool.Rent(Length); // the next message of that size decodes somewhere else
        Assert.NotSame(storage, meanwhile); // the owner still reads the values
        meanwhile.AsSpan().Fill(-1f);
        Assert.All(value.ToArray(), v => Assert.Equal(3f, v));

        owner.Release(); // the last reader
        Assert.True(value.IsDisposed);
        Assert.Throws<InvalidOperationException>(() => parameters.Acquire());
        Assert.Throws<InvalidOperationException>(() => owner.Release());
        var next = TensorValuePool.Rent(Length);
        Assert.Same(storage, next); // back in the pool for the next step
        TensorValuePool.Return(meanwhile);
        TensorValuePool.Return(next);
    }

    [Fact]
    public void ALiveTensorOfThisProcessIsNeverDisposedByTheReaders()
    {
        using var live = Tensor.Full(2f, Length);
        var parameters = new SharedParameters([live]);
        Assert.Same(live, parameters.Values[0]); // read as it is, not copied
        parameters.Release();
        Assert.False(live.IsDisposed);
    }
}
