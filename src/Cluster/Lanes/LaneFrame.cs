using System.Buffers.Binary;
using System.Text;

namespace ActorGrad.Cluster.Lanes;

/// <summary>
/// One actor message on the lane: who it is for, who sent it, and its bytes as Akka's serialization made
/// them. The payload is the serializer's output as it is: the sender writes it to the socket from where it
/// lies, the receiver reads it from the socket into the array it hands to the deserializer.
/// </summary>
internal sealed record LaneFrame(string Recipient, string Sender, int SerializerId, string Manifest, byte[] Payload)
{
    /// <summary>The payload's bytes in <see cref="Payload"/> (less than its length when the array is rented).</summary>
    public int PayloadLength { get; init; } = Payload.Length;

    /// <summary>The rented array <see cref="Payload"/> is (shared by every frame that carries the same message), or null for a plain array.</summary>
    public RentedPayload? Lease { get; init; }

    /// <summary>Bytes this frame holds in a send queue (what back-pressure counts).</summary>
    public long Size => PayloadLength + 2L * (Recipient.Length + Sender.Length + Manifest.Length);
}

/// <summary>
/// A payload array from <see cref="System.Buffers.ArrayPool{T}.Shared"/> that one or more frames carry (the same message
/// to several peers is serialized once): it goes back to the pool when the last of them has been written or given up,
/// never before, so no frame's bytes change under a writer.
/// </summary>
internal sealed class RentedPayload(byte[] array, int holders, System.Buffers.ArrayPool<byte> pool)
{
    private int _holders = holders;

    public byte[] Array => array;

    /// <summary>One frame is done with the array; the last one returns it.</summary>
    public void Release()
    {
        var left = Interlocked.Decrement(ref _holders);
        if (left == 0) pool.Return(array);
        else if (left < 0) throw new InvalidOperationException("A lane payload was released more often than frames carried it.");
    }
}

/// <summary>
/// The lane's bytes on a connection. After TLS (if any), the connecting member sends <see cref="Preface"/> and
/// the accepting member answers with it once it accepted the peer, each followed by its part of the shared-memory
/// handshake (<see cref="SharedRingHandshake"/>); then the connecting member sends frames, one after another, and
/// nothing flows back but the ring's wake bytes. A frame: the header's length (uint32 LE) and the payload's
/// length (int32 LE), then the header (serializer id int32 LE; recipient path, sender path and manifest, each
/// a uint16 LE length and UTF-8), then the payload. A frame whose payload lies in the connection's shared-memory
/// ring (<see cref="SharedRing"/>) sets the top bit of the header's length, has the payload's ring position (int64
/// LE) after the prefix and nothing after the header. Lengths are checked against limits before anything is
/// allocated or read: none is taken on trust.
/// </summary>
internal static class LaneWire
{
    /// <summary>"AGL" and the protocol version.</summary>
    public static readonly byte[] Preface = "AGL\u0002"u8.ToArray();

    public const int PrefixBytes = 8;
    public const int RingPositionBytes = 8;
    private const uint InRing = 0x8000_0000;
    private const int FixedHeaderBytes = 4 + 3 * 2;
    public const int MaxHeaderBytes = FixedHeaderBytes + 3 * ushort.MaxValue;

    /// <summary>
    /// The frame's prefix and header in one array: the payload is written after it from its own array, or it already
    /// lies in the ring at <paramref name="ringPosition"/> (when that is not negative).
    /// </summary>
    public static byte[] EncodeHead(LaneFrame frame, long ringPosition = -1)
    {
        var headerBytes = FixedHeaderBytes + Utf8(frame.Recipient) + Utf8(frame.Sender) + Utf8(frame.Manifest);
        var start = ringPosition < 0 ? PrefixBytes : PrefixBytes + RingPositionBytes;
        var head = new byte[start + headerBytes];
        BinaryPrimitives.WriteUInt32LittleEndian(head, (uint)headerBytes | (ringPosition < 0 ? 0 : InRing));
        BinaryPrimitives.WriteInt32LittleEndian(head.AsSpan(4), frame.PayloadLength);
        if (ringPosition >= 0) BinaryPrimitives.WriteInt64LittleEndian(head.AsSpan(PrefixBytes), ringPosition);
        BinaryPrimitives.WriteInt32LittleEndian(head.AsSpan(start), frame.SerializerId);
        var at = start + 4;
        foreach (var s in (ReadOnlySpan<string>)[frame.Recipient, frame.Sender, frame.Manifest])
        {
            var n = Encoding.UTF8.GetBytes(s, head.AsSpan(at + 2));
            BinaryPrimitives.WriteUInt16LittleEndian(head.AsSpan(at), (ushort)n);
            at += 2 + n;
        }
        return head;
    }

    /// <summary>Reads and checks a prefix: the header's and the payload's lengths, and whether the payload is in the ring.</summary>
    public static (int HeaderBytes, int PayloadBytes, bool InRing) DecodePrefix(ReadOnlySpan<byte> prefix, int maxPayloadBytes)
    {
        var word = BinaryPrimitives.ReadUInt32LittleEndian(prefix);
        var inRing = (word & InRing) != 0;
        var header = word & ~InRing;
        var payload = BinaryPrimitives.ReadInt32LittleEndian(prefix[4..]);
        if (header is < FixedHeaderBytes or > MaxHeaderBytes)
            throw new InvalidDataException($"A lane frame announces a {header}-byte header; headers are {FixedHeaderBytes} to {MaxHeaderBytes} bytes.");
        if (payload < 0 || payload > maxPayloadBytes)
            throw new InvalidDataException($"A lane frame announces a {payload}-byte payload; this member accepts 0 to {maxPayloadBytes}.");
        return ((int)header, payload, inRing);
    }

    /// <summary>Reads a header; every string must end inside it, and nothing may follow the last.</summary>
    public static (int SerializerId, string Recipient, string Sender, string Manifest) DecodeHeader(ReadOnlySpan<byte> header)
    {
        var serializerId = BinaryPrimitives.ReadInt32LittleEndian(header);
        var rest = header[4..];
        var recipient = ReadString(ref rest, "recipient path");
        var sender = ReadString(ref rest, "sender path");
        var manifest = ReadString(ref rest, "manifest");
        if (!rest.IsEmpty) throw new InvalidDataException($"A lane frame's header has {rest.Length} bytes after its manifest.");
        return (serializerId, recipient, sender, manifest);
    }

    private static string ReadString(ref ReadOnlySpan<byte> rest, string what)
    {
        if (rest.Length < 2) throw new InvalidDataException($"A lane frame's header ends inside the length of its {what}.");
        int length = BinaryPrimitives.ReadUInt16LittleEndian(rest);
        if (rest.Length - 2 < length)
            throw new InvalidDataException($"A lane frame's {what} is said to be {length} bytes; the header has {rest.Length - 2} left.");
        var s = Encoding.UTF8.GetString(rest.Slice(2, length));
        rest = rest[(2 + length)..];
        return s;
    }

    private static int Utf8(string s)
    {
        var n = Encoding.UTF8.GetByteCount(s);
        if (n > ushort.MaxValue) throw new ArgumentException($"A lane frame's path or manifest is {n} bytes of UTF-8; the limit is {ushort.MaxValue}.");
        return n;
    }
}
