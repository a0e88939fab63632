using ActorGrad.Protocol.Tensors;
using Google.Protobuf.Reflection;

namespace ActorGrad.Engine.Cluster;

/// <summary>A serialized application message: which serializer, which type, its bytes and tensor.</summary>
public readonly record struct SerializedMessage(int SerializerId, string Manifest, byte[] Body, ITensorPayload? Tensor);

/// <summary>The serializers of one member: user ones first, then the built-in ones.</summary>
public sealed class MessageSerialization
{
    private readonly IMessageSerializer[] _ordered;
    private readonly Dictionary<int, IMessageSerializer> _byId = new();
    private readonly ProtobufSerializer _protobuf = new();

    public MessageSerialization(IEnumerable<IMessageSerializer>? custom = null)
    {
        var user = (custom ?? []).ToList();
        foreach (var s in user)
            if (s.Id < 100) throw new ArgumentException($"Serializer {s.GetType().Name} uses id {s.Id}; ids below 100 are ActorGrad's own.");
        _ordered = [.. user, new PrimitiveSerializer(), new TensorSerializer(), _protobuf, new StatusSerializer(this)];
        foreach (var s in _ordered)
            if (!_byId.TryAdd(s.Id, s)) throw new ArgumentException($"Two serializers share id {s.Id}.");
    }

    /// <summary>Lets this member parse a protobuf message type it has not sent itself.</summary>
    public void RegisterProtobuf(MessageDescriptor descriptor) => _protobuf.Register(descriptor);

    public SerializedMessage Serialize(object? message)
    {
        ArgumentNullException.ThrowIfNull(message);
        foreach (var s in _ordered)
            if (s.TrySerialize(message, out var manifest, out var body, out var tensor))
                return new SerializedMessage(s.Id, manifest, body, tensor);
        throw new MessageNotSerializableException(message.GetType());
    }

    public object Deserialize(int serializerId, string manifest, ReadOnlySpan<byte> body, ITensorPayload? tensor) =>
        _byId.TryGetValue(serializerId, out var s)
            ? s.Deserialize(manifest, body, tensor)
            : throw new FormatException($"No serializer with id {serializerId} on this member (manifest '{manifest}').");
}
