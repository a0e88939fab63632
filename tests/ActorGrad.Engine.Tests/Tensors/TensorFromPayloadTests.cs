using ActorGrad.Engine.Tensors;
using ActorGrad.Protocol.Tensors;

namespace ActorGrad.Engine.Tests.Tensors;

/// <summary>A message's tensor becomes an Engine tensor: itself in process, the decoded array adopted once when it came over the wire.</summary>
public class TensorFromPayloadTests
{
    [Fact]
    public void ATensorIsItself()
    {
        using var t = Tensor.FromArray([1f, 2f], 2);
        Assert.Same(t, Tensor.From(t));
    }

    [Fact]
    public void ADecodedTensorsArrayIsAdoptedWithoutACopy()
    {
        var wire = new WireTensor([2, 2], [1f, 2f, 3f, 4f]);
        using var adopted = Tensor.From(wire);
        Assert.Equal([2, 2], adopted.Shape);
        adopted.Span[0] = 9f;
        Assert.Equal(9f, wire.Values[0]); // one array: no copy was made
    }

    [Fact]
    public void ASecondReaderOfTheSamePayloadGetsACopy()
    {
        var wire = new WireTensor([3], [1f, 2f, 3f]);
        using var first = Tensor.From(wire);
        using var second = Tensor.From(wire);
        second.Span[0] = -1f;
        Assert.Equal(1f, first.Span[0]);
        Assert.Equal([1f, 2f, 3f], first.ToArray());
    }
}
