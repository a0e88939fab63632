using ActorGrad.Protocol.Tensors;

namespace ActorGrad.Engine.Cluster;

/// <summary>
/// Turns application messages into bytes for another member and back. A serializer id selects the
/// serializer on the receiving side, a manifest the type within it. A tensor a message carries goes
/// out as the frame's raw payload, not inside <c>body</c>. Ids below 100 are ActorGrad's own.
/// </summary>
public interface IMessageSerializer
{
    int Id { get; }

    /// <summary>False when this serializer does not handle <paramref name="message"/>'s type.</summary>
    bool TrySerialize(object message, out string manifest, out byte[] body, out ITensorPayload? tensor);

    object Deserialize(string manifest, ReadOnlySpan<byte> body, ITensorPayload? tensor);
}

/// <summary>The message cannot be sent to another member: no serializer handles its type.</summary>
public sealed class MessageNotSerializableException(Type type) : Exception(
    $"No serializer handles messages of type {type.FullName}: register an IMessageSerializer in ClusterSettings.Serializers, or send a string, a number, a byte[], a tensor or a Google.Protobuf message.")
{
    public Type MessageType { get; } = type;
}

/// <summary>A Status.Failure's exception as it arrives from another member: its type's name and message.</summary>
public sealed class RemoteException(string originalType, string message)
    : Exception($"{originalType} on another member: {message}")
{
    public string OriginalType { get; } = originalType;
}
