using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using Google.Protobuf;

namespace ActorGrad.Protocol.Wire;

/// <summary>
/// Reads frames from a connection's bytes (a PipeReader's ReadOnlySequence). It never buffers more
/// than one frame of at most <see cref="MaxFrameBytes"/>: an oversized length prefix is refused as
/// soon as its four bytes arrive. Malformed input of any kind surfaces as a
/// <see cref="FrameException"/> and nothing else, so a transport can close just that connection.
/// </summary>
public sealed class FrameDecoder
{
    private readonly Func<int, float[]> _allocateValues;

    /// <param name="allocateValues">
    /// Makes the array a tensor payload is decoded into (exactly the given length); a host passes its
    /// tensor pool here so received tensors reuse memory. Default: a fresh uninitialised array.
    /// </param>
    public FrameDecoder(int maxFrameBytes = WireProtocol.DefaultMaxFrameBytes, Func<int, float[]>? allocateValues = null)
    {
        if (maxFrameBytes < WireProtocol.PrefixBytes)
            throw new ArgumentOutOfRangeException(nameof(maxFrameBytes), maxFrameBytes, $"The maximum frame size must be at least {WireProtocol.PrefixBytes} bytes.");
        MaxFrameBytes = maxFrameBytes;
        _allocateValues = allocateValues ?? (n => GC.AllocateUninitializedArray<float>(n));
    }

    /// <summary>Largest accepted frame, counted without its 4-byte length field.</summary>
    public int MaxFrameBytes { get; }

    /// <summary>
    /// Decodes the first frame of <paramref name="buffer"/> and slices it off. Returns false, leaving
    /// the buffer as it is, when the frame has not fully arrived yet.
    /// </summary>
    public bool TryRead(ref ReadOnlySequence<byte> buffer, [NotNullWhen(true)] out DecodedFrame? frame)
    {
        frame = null;
        if (buffer.Length < WireProtocol.LengthFieldBytes) return false;
        var frameBytes = ReadUInt32(buffer);
        var headerLengthBytes = WireProtocol.PrefixBytes - WireProtocol.LengthFieldBytes;
        if (frameBytes < headerLengthBytes)
            throw new FrameException($"Frame length {frameBytes} is shorter than the {headerLengthBytes}-byte header length field.");
        if (frameBytes > (uint)MaxFrameBytes)
            throw new FrameException($"A frame of {frameBytes} bytes exceeds the maximum frame size of {MaxFrameBytes} bytes.");
        var wireBytes = WireProtocol.LengthFieldBytes + (int)frameBytes;
        if (buffer.Length < wireBytes) return false;

        var headerBytes = ReadUInt32(buffer.Slice(WireProtocol.LengthFieldBytes));
        var bodyBytes = frameBytes - headerLengthBytes;
        if (headerBytes > bodyBytes)
            throw new FrameException($"Header length {headerBytes} exceeds the {bodyBytes} bytes left in the frame.");

        var header = ParseHeader(buffer.Slice(WireProtocol.PrefixBytes, headerBytes));
        var payload = buffer.Slice(WireProtocol.PrefixBytes + headerBytes, bodyBytes - headerBytes);
        var tensor = ReadTensor(header, payload);
        buffer = buffer.Slice(wireBytes);
        frame = new DecodedFrame(header, tensor, wireBytes);
        return true;
    }

    /// <summary>Decodes a buffer that must hold exactly one whole frame.</summary>
    public DecodedFrame Decode(ReadOnlyMemory<byte> bytes)
    {
        var buffer = new ReadOnlySequence<byte>(bytes);
        if (!TryRead(ref buffer, out var frame))
            throw new FrameException($"{bytes.Length} bytes do not hold a whole frame.");
        if (!buffer.IsEmpty)
            throw new FrameException($"{buffer.Length} bytes follow the frame.");
        return frame;
    }

    private static uint ReadUInt32(ReadOnlySequence<byte> buffer)
    {
        Span<byte> four = stackalloc byte[4];
        buffer.Slice(0, 4).CopyTo(four);
        return BinaryPrimitives.ReadUInt32LittleEndian(four);
    }

    private static Frame ParseHeader(ReadOnlySequence<byte> bytes)
    {
        Frame header;
        try
        {
            header = Frame.Parser.ParseFrom(bytes);
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or ArgumentException or InvalidOperationException)
        {
            throw new FrameException($"The frame header ({bytes.Length} bytes) is not a valid Frame message: {e.Message}", e);
        }
        if (header.KindCase == Frame.KindOneofCase.None)
            throw new FrameException("The frame header carries no message this protocol version knows.");
        return header;
    }

    private WireTensor? ReadTensor(Frame header, ReadOnlySequence<byte> payload)
    {
        if (header.Tensor is null)
        {
            if (!payload.IsEmpty) throw new FrameException($"{payload.Length} payload bytes follow a header that describes no tensor.");
            return null;
        }
        var dims = header.Tensor.Dims.ToArray();
        var count = TensorHeaders.TryElementCount(dims);
        if (count < 0)
            throw new FrameException($"Tensor dimensions [{string.Join(", ", dims)}] are negative or too large.");
        if (payload.Length != 4 * count)
            throw new FrameException($"A tensor with dimensions [{string.Join(", ", dims)}] needs {4 * count} payload bytes; the frame has {payload.Length}.");
        var values = _allocateValues((int)count);
        if (values.Length != count) throw new InvalidOperationException($"The tensor allocator returned {values.Length} floats for {count}.");
        if (BitConverter.IsLittleEndian) payload.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
        else
        {
            var reader = new SequenceReader<byte>(payload);
            for (var i = 0; i < values.Length; i++)
            {
                reader.TryReadLittleEndian(out int bits);
                values[i] = BitConverter.Int32BitsToSingle(bits);
            }
        }
        return new WireTensor(dims, values);
    }
}
