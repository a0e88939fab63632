using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Grpc.Core;

namespace ActorGrad.Cluster.Lanes;

/// <summary>
/// One actor message on the lane: who it is for, who sent it, and its bytes as Akka's serialization made
/// them. The payload is the serializer's output as it is, so a tensor is copied once into the gRPC buffer at
/// the sender and once out of it at the receiver.
/// </summary>
internal sealed record LaneFrame(string Recipient, string Sender, int SerializerId, string Manifest, byte[] Payload)
{
    /// <summary>Bytes this frame holds in a send queue (what back-pressure counts).</summary>
    public long Size => Payload.LongLength + 2L * (Recipient.Length + Sender.Length + Manifest.Length);
}

/// <summary>The gRPC request stream's answer when it ends; it carries nothing.</summary>
internal sealed class LaneAck
{
    public static readonly LaneAck Instance = new();
}

/// <summary>
/// The frame's bytes inside one gRPC message: a version byte, the serializer id (int32 little-endian), three
/// UTF-8 strings each after its uint16 length (recipient path, sender path, manifest), then the payload to the
/// end of the message. gRPC frames the message; nothing here is a length taken on trust: every length is
/// checked against the bytes that arrived.
/// </summary>
internal static class LaneFrameCodec
{
    private const byte Version = 1;
    private const int CopyChunk = 1 << 20;

    public static readonly Marshaller<LaneFrame> FrameMarshaller = Marshallers.Create<LaneFrame>(Write, Read);

    public static readonly Marshaller<LaneAck> AckMarshaller = Marshallers.Create<LaneAck>(
        (_, context) => context.Complete([]),
        _ => LaneAck.Instance);

    public static int HeaderBytes(LaneFrame frame) =>
        1 + 4 + 3 * 2 + Utf8(frame.Recipient) + Utf8(frame.Sender) + Utf8(frame.Manifest);

    private static int Utf8(string s)
    {
        var n = Encoding.UTF8.GetByteCount(s);
        if (n > ushort.MaxValue) throw new ArgumentException($"A lane frame's path or manifest is {n} bytes; the limit is {ushort.MaxValue}.");
        return n;
    }

    private static void Write(LaneFrame frame, SerializationContext context)
    {
        var header = HeaderBytes(frame);
        context.SetPayloadLength(header + frame.Payload.Length);
        var writer = context.GetBufferWriter();
        var span = writer.GetSpan(header);
        span[0] = Version;
        BinaryPrimitives.WriteInt32LittleEndian(span[1..], frame.SerializerId);
        var at = 5;
        foreach (var s in (ReadOnlySpan<string>)[frame.Recipient, frame.Sender, frame.Manifest])
        {
            var n = Encoding.UTF8.GetBytes(s, span[(at + 2)..]);
            BinaryPrimitives.WriteUInt16LittleEndian(span[at..], (ushort)n);
            at += 2 + n;
        }
        writer.Advance(header);
        // In chunks: the writer's buffers are pooled, a 64 MiB span at once would be a 64 MiB rental.
        for (var done = 0; done < frame.Payload.Length;)
        {
            var n = Math.Min(CopyChunk, frame.Payload.Length - done);
            frame.Payload.AsSpan(done, n).CopyTo(writer.GetSpan(n));
            writer.Advance(n);
            done += n;
        }
        context.Complete();
    }

    private static LaneFrame Read(DeserializationContext context)
    {
        var reader = new SequenceReader<byte>(context.PayloadAsReadOnlySequence());
        if (!reader.TryRead(out var version) || version != Version)
            throw new InvalidDataException($"A lane frame has version {version}; this member reads version {Version}.");
        if (!reader.TryReadLittleEndian(out int serializerId)) throw Truncated("serializer id");
        var recipient = ReadString(ref reader, "recipient path");
        var sender = ReadString(ref reader, "sender path");
        var manifest = ReadString(ref reader, "manifest");
        var payload = new byte[reader.Remaining];
        reader.UnreadSequence.CopyTo(payload);
        return new LaneFrame(recipient, sender, serializerId, manifest, payload);
    }

    private static string ReadString(ref SequenceReader<byte> reader, string what)
    {
        if (!reader.TryReadLittleEndian(out short raw)) throw Truncated(what + " length");
        var length = (ushort)raw;
        if (reader.Remaining < length) throw Truncated(what);
        var bytes = reader.UnreadSequence.Slice(0, length);
        reader.Advance(length);
        return Encoding.UTF8.GetString(bytes);
    }

    private static InvalidDataException Truncated(string what) =>
        new($"A lane frame ends inside its {what}: the message is shorter than its header says.");
}
