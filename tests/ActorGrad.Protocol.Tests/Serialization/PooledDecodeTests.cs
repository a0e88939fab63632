using ActorGrad.Protocol.Nodes;
using ActorGrad.Protocol.Serialization;
using ActorGrad.Protocol.Tensors;

namespace ActorGrad.Protocol.Tests.Serialization;

/// <summary>A large decoded tensor's values come from <see cref="TensorValuePool"/>, so a receiver that gives them back decodes the next one into the same array.</summary>
public class PooledDecodeTests
{
    [Fact]
    public void ALargeTensorIsDecodedIntoStorageThatWasGivenBack()
    {
        const int count = TensorValuePool.PoolThreshold * 3 + 17; // a length no other test uses, so the pool's stack for it is ours
        var first = new Gradient(1, new WireTensor([count], Enumerable.Range(0, count).Select(i => (float)i).ToArray()));
        var second = new Gradient(2, new WireTensor([count], Enumerable.Range(0, count).Select(i => -(float)i).ToArray()));

        var decoded = (Gradient)WireCodec.Decode(WireCodec.Encode(first), "grad");
        Assert.True(((WireTensor)decoded.Value).TryTakeValues(out var storage));
        TensorValuePool.Return(storage);

        var next = (Gradient)WireCodec.Decode(WireCodec.Encode(second), "grad");
        Assert.True(((WireTensor)next.Value).TryTakeValues(out var reused));
        Assert.Same(storage, reused);
        WireAssert.SameTensor(second.Value, next.Value); // every value overwritten
    }

    [Fact]
    public void ASmallTensorGetsAnArrayOfItsOwn()
    {
        var small = new float[TensorValuePool.PoolThreshold - 1];
        TensorValuePool.Return(small);
        Assert.NotSame(small, TensorValuePool.Rent(small.Length));
    }
}
