using System.Buffers;
using System.Runtime.Serialization;
using MessagePack;
using MessagePack.Resolvers;

namespace ActorGrad.Protocol.Serialization;

/// <summary>
/// Encodes and decodes the messages of <see cref="WireManifests"/> as MessagePack, with no ActorSystem:
/// <see cref="ActorGradSerializer"/> is its face to Akka. Decoding treats every payload as untrusted:
/// whatever is wrong with it surfaces as a <see cref="SerializationException"/> naming the manifest, never as another exception.
/// </summary>
public static class WireCodec
{
    /// <summary>MessagePack's protections for data from the network, with our tensor and exception formatters first.</summary>
    public static readonly MessagePackSerializerOptions Options = MessagePackSerializerOptions.Standard
        .WithSecurity(MessagePackSecurity.UntrustedData)
        .WithResolver(CompositeResolver.Create([TensorFormatter.Instance, ExceptionFormatter.Instance], [StandardResolver.Instance]));

    // One growing buffer per thread, so encoding allocates only the result; a buffer grown past this is not kept.
    private const int KeptBufferBytes = 4 << 20;
    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;

    public static string ManifestOf(object message) => WireManifests.For(message.GetType()).Manifest;

    public static byte[] Encode(object message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var entry = WireManifests.For(message.GetType());
        var buffer = t_buffer ?? new ArrayBufferWriter<byte>(256);
        t_buffer = null; // a nested or failed encode on this thread starts clean
        buffer.ResetWrittenCount();
        Write(entry, message, buffer);
        var bytes = GC.AllocateUninitializedArray<byte>(buffer.WrittenCount); // every byte is written next: no need to clear a megabyte first
        buffer.WrittenSpan.CopyTo(bytes);
        if (buffer.Capacity <= KeptBufferBytes) t_buffer = buffer;
        return bytes;
    }

    /// <summary>
    /// The number of bytes <see cref="Encode"/> returns for <paramref name="message"/>, measured without writing
    /// its tensors' values (they are counted, not copied).
    /// </summary>
    public static int SizeOf(object message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var entry = WireManifests.For(message.GetType());
        var sizer = SizingWriter.Begin();
        try
        {
            Write(entry, message, sizer);
        }
        finally
        {
            sizer.End();
        }
        return sizer.Count <= Array.MaxLength ? (int)sizer.Count
            : throw new SerializationException($"A {message.GetType().FullName} encodes to {sizer.Count} bytes, more than one array holds.");
    }

    /// <summary>
    /// Writes exactly the bytes <see cref="Encode"/> returns into <paramref name="destination"/>, which must be
    /// <see cref="SizeOf"/> bytes long: a message that does not fill it exactly is refused.
    /// </summary>
    public static void EncodeInto(object message, Memory<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(message);
        var entry = WireManifests.For(message.GetType());
        var output = new FixedBufferWriter(destination);
        Write(entry, message, output);
        if (output.Written != destination.Length)
            throw new SerializationException(
                $"A {message.GetType().FullName} encoded to {output.Written} bytes into a buffer of {destination.Length}: give it a buffer of the size SizeOf measured.");
    }

    private static void Write(WireEntry entry, object message, IBufferWriter<byte> output)
    {
        try
        {
            var writer = new MessagePackWriter(output);
            entry.Write(ref writer, message, Options);
            writer.Flush();
        }
        catch (Exception e) when (e is not SerializationException)
        {
            // Akka.Remote drops a message whose serializer throws SerializationException and keeps the association;
            // any other exception (say, a tensor disposed before its message was sent) would restart the association.
            throw new SerializationException($"{message.GetType().FullName} could not be encoded: {e.Message}", e);
        }
    }

    public static object Decode(ReadOnlyMemory<byte> payload, string manifest)
    {
        var entry = WireManifests.For(manifest ?? throw new SerializationException("A payload arrived without a manifest."));
        try
        {
            var reader = new MessagePackReader(payload);
            var message = entry.Read(ref reader, Options);
            if (!reader.End)
                throw new SerializationException($"{payload.Length - reader.Consumed} bytes follow the message.");
            return message;
        }
        catch (Exception e)
        {
            // Truncated, forged or mistyped input: MessagePack throws EndOfStream, MessagePackSerialization, Overflow
            // or InsufficientExecutionStack exceptions; the caller (Akka.Remote) drops the message and keeps the association.
            throw new SerializationException($"Malformed ActorGrad '{entry.Manifest}' payload ({payload.Length} bytes): {e.Message}", e);
        }
    }
}
