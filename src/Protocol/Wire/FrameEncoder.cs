using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using ActorGrad.Protocol.Tensors;
using Google.Protobuf;

namespace ActorGrad.Protocol.Wire;

/// <summary>
/// Writes frames: uint32 LE frame length, uint32 LE header length, the protobuf <see cref="Frame"/>
/// header, then the tensor's values as raw little-endian float32 bytes. The values are copied once,
/// straight from the tensor's span into the output (a PipeWriter's buffers), never into a protobuf
/// bytes field.
/// </summary>
public static class FrameEncoder
{
    /// <summary>
    /// Writes one frame to <paramref name="output"/> and returns its size on the wire. The encoder owns
    /// <c>header.Tensor</c>: it sets it from <paramref name="tensor"/> (or clears it when there is none).
    /// Throws <see cref="FrameException"/> when the frame would exceed <paramref name="maxFrameBytes"/>.
    /// </summary>
    public static int Write(IBufferWriter<byte> output, Frame header, ITensorPayload? tensor = null, int maxFrameBytes = WireProtocol.DefaultMaxFrameBytes)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(header);
        if (header.KindCase == Frame.KindOneofCase.None)
            throw new ArgumentException("FrameEncoder: the frame header carries no message (Frame.Kind is not set).");

        long payloadBytes = 0;
        if (tensor is null) header.Tensor = null;
        else
        {
            var count = TensorHeaders.TryElementCount(tensor.Dimensions);
            if (count < 0 || count != tensor.Values.Length)
                throw new ArgumentException($"FrameEncoder: a tensor with dimensions [{string.Join(", ", tensor.Dimensions.ToArray())}] has {tensor.Values.Length} values.");
            var dims = new TensorHeader();
            foreach (var d in tensor.Dimensions) dims.Dims.Add(d);
            header.Tensor = dims;
            payloadBytes = 4 * count;
        }

        var headerBytes = header.CalculateSize();
        var frameBytes = WireProtocol.PrefixBytes - WireProtocol.LengthFieldBytes + headerBytes + payloadBytes;
        if (frameBytes > maxFrameBytes)
            throw new FrameException($"A frame of {frameBytes} bytes exceeds the maximum frame size of {maxFrameBytes} bytes.");

        var prefixAndHeader = output.GetSpan(WireProtocol.PrefixBytes + headerBytes);
        BinaryPrimitives.WriteUInt32LittleEndian(prefixAndHeader, (uint)frameBytes);
        BinaryPrimitives.WriteUInt32LittleEndian(prefixAndHeader[4..], (uint)headerBytes);
        header.WriteTo(prefixAndHeader.Slice(WireProtocol.PrefixBytes, headerBytes));
        output.Advance(WireProtocol.PrefixBytes + headerBytes);

        if (tensor is not null) WriteValues(output, tensor.Values);
        return (int)(WireProtocol.LengthFieldBytes + frameBytes);
    }

    /// <summary>One frame as a byte array (tests, tools, and callers without a pipe).</summary>
    public static byte[] Encode(Frame header, ITensorPayload? tensor = null, int maxFrameBytes = WireProtocol.DefaultMaxFrameBytes)
    {
        var buffer = new ArrayBufferWriter<byte>();
        Write(buffer, header, tensor, maxFrameBytes);
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteValues(IBufferWriter<byte> output, ReadOnlySpan<float> values)
    {
        if (BitConverter.IsLittleEndian)
        {
            var bytes = MemoryMarshal.AsBytes(values);
            while (!bytes.IsEmpty)
            {
                var span = output.GetSpan(Math.Min(bytes.Length, 1 << 16));
                var n = Math.Min(span.Length, bytes.Length);
                bytes[..n].CopyTo(span);
                output.Advance(n);
                bytes = bytes[n..];
            }
            return;
        }
        // Big-endian hosts swap each value; the wire is little-endian everywhere.
        foreach (var v in values)
        {
            BinaryPrimitives.WriteSingleLittleEndian(output.GetSpan(4), v);
            output.Advance(4);
        }
    }
}
