using System.Buffers.Binary;
using System.Text;
using ActorGrad.Engine.Actors;
using ActorGrad.Engine.Tensors;
using ActorGrad.Protocol.Tensors;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace ActorGrad.Engine.Cluster;

/// <summary>Strings, numbers, booleans and byte arrays.</summary>
internal sealed class PrimitiveSerializer : IMessageSerializer
{
    public int Id => 1;

    public bool TrySerialize(object message, out string manifest, out byte[] body, out ITensorPayload? tensor)
    {
        tensor = null;
        (manifest, body) = message switch
        {
            string s => ("s", Encoding.UTF8.GetBytes(s)),
            int i => ("i", Int64Bytes(i)),
            long l => ("l", Int64Bytes(l)),
            float f => ("f", Bytes(4, b => BinaryPrimitives.WriteSingleLittleEndian(b, f))),
            double d => ("d", Bytes(8, b => BinaryPrimitives.WriteDoubleLittleEndian(b, d))),
            bool v => ("b", [v ? (byte)1 : (byte)0]),
            byte[] bytes => ("y", bytes),
            _ => ("", []),
        };
        return manifest.Length > 0;
    }

    public object Deserialize(string manifest, ReadOnlySpan<byte> body, ITensorPayload? tensor) => manifest switch
    {
        "s" => Encoding.UTF8.GetString(body),
        "i" => checked((int)BinaryPrimitives.ReadInt64LittleEndian(body)),
        "l" => BinaryPrimitives.ReadInt64LittleEndian(body),
        "f" => BinaryPrimitives.ReadSingleLittleEndian(body),
        "d" => BinaryPrimitives.ReadDoubleLittleEndian(body),
        "b" => body.Length == 1 ? body[0] != 0 : throw new FormatException("A boolean is one byte."),
        "y" => body.ToArray(),
        _ => throw new FormatException($"Unknown primitive manifest '{manifest}'."),
    };

    private static byte[] Int64Bytes(long value)
    {
        var b = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(b, value);
        return b;
    }

    private static byte[] Bytes(int n, SpanAction write)
    {
        var b = new byte[n];
        write(b);
        return b;
    }

    private delegate void SpanAction(Span<byte> span);
}

/// <summary>A tensor travels as the frame's raw payload; it arrives as an Engine <see cref="Tensor"/>.</summary>
internal sealed class TensorSerializer : IMessageSerializer
{
    public int Id => 2;

    public bool TrySerialize(object message, out string manifest, out byte[] body, out ITensorPayload? tensor)
    {
        manifest = "t";
        body = [];
        tensor = message as ITensorPayload;
        return tensor is not null;
    }

    public object Deserialize(string manifest, ReadOnlySpan<byte> body, ITensorPayload? tensor) =>
        tensor switch
        {
            null => throw new FormatException("A tensor message arrived without its payload."),
            // The decoder made this array for this message alone: the tensor takes it over, no copy.
            Protocol.Wire.WireTensor wire => Tensor.Adopt(wire.ValuesArray, wire.Dimensions.ToArray()),
            _ => Tensor.From(tensor),
        };
}

/// <summary>Google.Protobuf messages, selected by their descriptor's full name.</summary>
internal sealed class ProtobufSerializer : IMessageSerializer
{
    private readonly Dictionary<string, MessageParser> _parsers = new();
    private readonly Lock _lock = new();

    public int Id => 3;

    public bool TrySerialize(object message, out string manifest, out byte[] body, out ITensorPayload? tensor)
    {
        tensor = null;
        if (message is not IMessage proto)
        {
            manifest = "";
            body = [];
            return false;
        }
        manifest = proto.Descriptor.FullName;
        body = proto.ToByteArray();
        lock (_lock) _parsers.TryAdd(manifest, proto.Descriptor.Parser);
        return true;
    }

    public void Register(MessageDescriptor descriptor)
    {
        lock (_lock) _parsers[descriptor.FullName] = descriptor.Parser;
    }

    public object Deserialize(string manifest, ReadOnlySpan<byte> body, ITensorPayload? tensor)
    {
        MessageParser? parser;
        lock (_lock) _parsers.TryGetValue(manifest, out parser);
        if (parser is null)
            throw new FormatException($"Protobuf message type '{manifest}' is not registered on this member (Cluster.Serialization.RegisterProtobuf).");
        return parser.ParseFrom(body.ToArray());
    }
}

/// <summary>Ask replies: Status.Success around any serializable value, Status.Failure as a <see cref="RemoteException"/>.</summary>
internal sealed class StatusSerializer(MessageSerialization outer) : IMessageSerializer
{
    public int Id => 4;

    public bool TrySerialize(object message, out string manifest, out byte[] body, out ITensorPayload? tensor)
    {
        tensor = null;
        switch (message)
        {
            case Status.Failure f:
                manifest = "F";
                body = Encoding.UTF8.GetBytes((f.Cause is RemoteException r ? r.OriginalType : f.Cause.GetType().FullName) + "\n" + f.Cause.Message);
                return true;
            case Status.Success { Value: null }:
                manifest = "N";
                body = [];
                return true;
            case Status.Success s:
                var inner = outer.Serialize(s.Value);
                manifest = "S" + inner.SerializerId + ":" + inner.Manifest;
                body = inner.Body;
                tensor = inner.Tensor;
                return true;
            default:
                manifest = "";
                body = [];
                return false;
        }
    }

    public object Deserialize(string manifest, ReadOnlySpan<byte> body, ITensorPayload? tensor)
    {
        if (manifest == "N") return new Status.Success(null);
        if (manifest == "F")
        {
            var text = Encoding.UTF8.GetString(body);
            var newline = text.IndexOf('\n');
            return new Status.Failure(newline < 0 ? new RemoteException("Exception", text) : new RemoteException(text[..newline], text[(newline + 1)..]));
        }
        var colon = manifest.IndexOf(':');
        if (manifest.Length < 2 || manifest[0] != 'S' || colon < 0 || !int.TryParse(manifest[1..colon], out var id))
            throw new FormatException($"Unknown status manifest '{manifest}'.");
        return new Status.Success(outer.Deserialize(id, manifest[(colon + 1)..], body, tensor));
    }
}
