using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Runtime.Serialization;
using ActorGrad.Protocol.Tensors;
using MessagePack;
using MessagePack.Formatters;

namespace ActorGrad.Protocol.Serialization;

/// <summary>
/// A tensor on the wire: <c>[[dim0, dim1, ...], bin]</c>, the bin holding the values as raw little-endian
/// float32 bytes written in one block copy; a null tensor is nil. Decodes to a <see cref="WireTensor"/>
/// (its values in an array from <see cref="TensorValuePool"/>) after checking the declared rank, dimensions and byte count against each other and the limits.
/// </summary>
public sealed class TensorFormatter : IMessagePackFormatter<ITensorPayload?>
{
    public static readonly TensorFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, ITensorPayload? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }
        var dimensions = value.Dimensions;
        var values = value.Values;
        var count = TensorDimensions.TryElementCount(dimensions);
        if (count != values.Length || dimensions.Length > WireLimits.MaxTensorRank || count > WireLimits.MaxTensorElements)
            throw new SerializationException(
                $"A tensor with dimensions [{string.Join(", ", dimensions.ToArray())}] and {values.Length} values cannot be sent (rank at most {WireLimits.MaxTensorRank}, at most {WireLimits.MaxTensorElements} values, values filling the dimensions).");
        writer.WriteArrayHeader(2);
        writer.WriteArrayHeader(dimensions.Length);
        foreach (var d in dimensions) writer.Write(d);
        if (SizingWriter.Current is { } sizer)
        {
            // Measuring (WireCodec.SizeOf): the bin is counted, not written (WriteBinHeader would ask the sizer for
            // room for all the values). Its header is bin8, bin16 or bin32 by length, as WriteBinHeader writes it.
            var bytes = checked(values.Length * sizeof(float));
            sizer.Skip((bytes <= byte.MaxValue ? 2 : bytes <= ushort.MaxValue ? 3 : 5) + bytes);
        }
        else if (BitConverter.IsLittleEndian)
        {
            writer.Write(MemoryMarshal.AsBytes(values));
        }
        else
        {
            var byteCount = checked(values.Length * sizeof(float));
            writer.WriteBinHeader(byteCount);
            var target = MemoryMarshal.Cast<byte, int>(writer.GetSpan(byteCount)[..byteCount]);
            BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<float, int>(values), target);
            writer.Advance(byteCount);
        }
    }

    public ITensorPayload? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) => Read(ref reader, options);

    /// <summary>The decoded tensor, or null for nil.</summary>
    public static WireTensor? Read(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil()) return null;
        options.Security.DepthStep(ref reader);
        WireFields.Expect(ref reader, 2, "tensor");

        var rank = reader.ReadArrayHeader();
        if (rank > WireLimits.MaxTensorRank)
            throw new SerializationException($"A tensor declares rank {rank}; at most {WireLimits.MaxTensorRank} is accepted.");
        var dimensions = rank == 0 ? [] : new int[rank];
        for (var i = 0; i < rank; i++) dimensions[i] = reader.ReadInt32();
        var count = TensorDimensions.TryElementCount(dimensions);
        if (count < 0 || count > WireLimits.MaxTensorElements)
            throw new SerializationException($"A tensor declares dimensions [{string.Join(", ", dimensions)}]: negative, or more than {WireLimits.MaxTensorElements} values.");

        // ReadBytes checks the bin's declared length against the bytes that remain; the values array is only
        // allocated once that length matches the dimensions, so a forged header cannot make us allocate more than we received.
        var bytes = reader.ReadBytes() ?? throw new SerializationException("A tensor's values are nil; a bin of float32 bytes was expected.");
        if (bytes.Length != count * sizeof(float))
            throw new SerializationException($"A tensor with dimensions [{string.Join(", ", dimensions)}] needs {count * sizeof(float)} bytes of values; the payload has {bytes.Length}.");
        // From the pool the Engine's tensors give their storage back to: a receiver that disposes the tensor adopting
        // these values hands the array to the next message of the same size (every byte is overwritten next).
        var values = TensorValuePool.Rent((int)count);
        var target = MemoryMarshal.AsBytes(values.AsSpan());
        bytes.CopyTo(target);
        if (!BitConverter.IsLittleEndian)
            BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, int>(target), MemoryMarshal.Cast<byte, int>(target));
        reader.Depth--;
        return new WireTensor(dimensions, values);
    }
}
