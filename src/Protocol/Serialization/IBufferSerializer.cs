namespace ActorGrad.Protocol.Serialization;

/// <summary>
/// Implemented by an Akka serializer (beside <c>Serializer.ToBinary</c>) that can write a message into a buffer it
/// is given. A transport (the cluster's tensor lane) then serializes into a rented array and gives it back once the
/// bytes are on the socket, instead of taking a fresh array per message from <c>ToBinary</c>: for 1 MiB tensors that
/// allocation costs as much as the socket. The bytes must be exactly what <c>ToBinary</c> would return.
/// </summary>
public interface IBufferSerializer
{
    /// <summary>The number of bytes <see cref="WriteBinary"/> writes for <paramref name="message"/>.</summary>
    int BinarySize(object message);

    /// <summary>
    /// Writes <paramref name="message"/> into <paramref name="destination"/>, which is exactly <see cref="BinarySize"/>
    /// bytes long; a message that turns out not to fill it exactly is refused (the message changed in between).
    /// </summary>
    void WriteBinary(object message, Memory<byte> destination);

    /// <summary>
    /// Decodes a message from <paramref name="source"/> as <c>FromBinary</c> does from an array, keeping nothing of it:
    /// a transport may hand in memory it reuses or unmaps right after (the tensor lane's shared-memory ring).
    /// </summary>
    object ReadBinary(ReadOnlyMemory<byte> source, string manifest);
}
