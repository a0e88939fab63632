using Akka.Actor;
using Akka.Serialization;

namespace ActorGrad.Protocol.Serialization;

/// <summary>
/// Akka's serializer for ActorGrad's messages: MessagePack with a short string manifest per type
/// (see <see cref="WireManifests"/>); tensors travel as raw little-endian float32 bytes. A transport that rents its
/// buffers writes the same bytes into them (<see cref="IBufferSerializer"/>). Decoding copies what it keeps out of
/// its input (strings, numbers, tensor values into arrays of their own), so a transport may reuse the input array.
/// </summary>
public sealed class ActorGradSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system), IBufferSerializer
{
    /// <summary>Fixed forever: it is written into every remote message (Akka reserves 0-100).</summary>
    public const int Id = 1401;

    public override int Identifier => Id;

    public override string Manifest(object o) => WireCodec.ManifestOf(o);

    public override byte[] ToBinary(object obj) => WireCodec.Encode(obj);

    public int BinarySize(object message) => WireCodec.SizeOf(message);

    public void WriteBinary(object message, Memory<byte> destination) => WireCodec.EncodeInto(message, destination);

    public override object FromBinary(byte[] bytes, string manifest) => WireCodec.Decode(bytes, manifest);

    public object ReadBinary(ReadOnlyMemory<byte> source, string manifest) => WireCodec.Decode(source, manifest);
}
