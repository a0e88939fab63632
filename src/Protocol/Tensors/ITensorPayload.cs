namespace ActorGrad.Protocol.Tensors;

/// <summary>
/// A dense float32 tensor as a message carries it: its dimensions and its contiguous row-major values.
/// Protocol cannot see the Engine's tensor type (dependencies point Engine -> Protocol), so messages
/// that carry tensors type them as this interface; the Engine's Tensor implements it. On the wire
/// (Serialization/TensorFormatter) <see cref="Values"/> travel as one MessagePack bin of raw little-endian
/// float32 bytes after the dimensions, and arrive as a <see cref="WireTensor"/>.
/// </summary>
public interface ITensorPayload
{
    /// <summary>The size of each dimension; empty for a 0-d scalar.</summary>
    ReadOnlySpan<int> Dimensions { get; }

    /// <summary>The values in row-major order; its length is the product of <see cref="Dimensions"/>.</summary>
    ReadOnlySpan<float> Values { get; }
}
