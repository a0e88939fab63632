using System.Runtime.Serialization;
using ActorGrad.Protocol.Nodes;
using ActorGrad.Protocol.Serialization;
using ActorGrad.Protocol.Tensors;

namespace ActorGrad.Protocol.Tests.Serialization;

public class EncodeFailureTests
{
    private sealed class DisposedTensor : ITensorPayload
    {
        public ReadOnlySpan<int> Dimensions => throw new ObjectDisposedException("Tensor");
        public ReadOnlySpan<float> Values => throw new ObjectDisposedException("Tensor");
    }

    [Fact]
    public void AnyFailureWhileEncodingIsASerializationExceptionNamingTheType()
    {
        // Akka.Remote keeps the association only for SerializationException (and ArgumentException).
        var error = Assert.Throws<SerializationException>(
            () => WireCodec.Encode(new Gradient(1, new DisposedTensor())));
        Assert.Contains(typeof(Gradient).FullName!, error.Message);
        Assert.IsType<ObjectDisposedException>(error.InnerException);
    }
}
