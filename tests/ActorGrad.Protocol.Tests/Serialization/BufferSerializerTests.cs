using System.Buffers;
using System.Runtime.Serialization;
using ActorGrad.Protocol.Nodes;
using ActorGrad.Protocol.Serialization;
using ActorGrad.Protocol.Tensors;
using ActorGrad.Protocol.Tests.Specs;
using Akka.Actor;
using MessagePack;

namespace ActorGrad.Protocol.Tests.Serialization;

/// <summary>
/// <see cref="IBufferSerializer"/>: a transport's rented buffer gets exactly the bytes ToBinary returns, as strictly;
/// and no decode keeps its input, which is what lets the tensor lane reuse its receive buffers.
/// </summary>
public class BufferSerializerTests
{
    /// <summary>Every message type with seeded values, a graph spec, and tensors at the edges of MessagePack's encodings.</summary>
    public static IEnumerable<object> Messages()
    {
        var random = new Random(1401);
        foreach (var type in SampleMessages.MessageTypes)
            for (var i = 0; i < 5; i++)
                yield return SampleMessages.Create(type, random);
        yield return GraphSpecWireTests.Sample();
        yield return new GradReply(null);
        yield return new Gradient(long.MinValue, new WireTensor([], [float.NaN]));
        yield return new Gradient(1, new WireTensor([0], []));
        // Bins of 8- 16- and 32-bit length headers, the last a 1 MiB gradient as the lane carries them.
        foreach (var count in new[] { 63, 64, 16383, 16384, 1 << 18 })
        {
            var values = new float[count];
            for (var i = 0; i < count; i++) values[i] = (float)random.NextDouble() - 0.5f;
            yield return new Gradient(random.NextInt64(), new WireTensor([count], values));
        }
    }

    [Fact]
    public void WritingIntoAGivenBufferGivesExactlyTheBytesOfEncode()
    {
        foreach (var message in Messages())
        {
            var expected = WireCodec.Encode(message);
            Assert.Equal(expected.Length, WireCodec.SizeOf(message));
            // Garbage around the slice: the message must fill its slice and not touch a byte beyond it.
            var buffer = Enumerable.Repeat((byte)0xEE, expected.Length + 64).ToArray();
            WireCodec.EncodeInto(message, buffer.AsMemory(32, expected.Length));
            Assert.True(expected.AsSpan().SequenceEqual(buffer.AsSpan(32, expected.Length)), $"{message.GetType().Name}: different bytes");
            Assert.All(buffer[..32].Concat(buffer[(32 + expected.Length)..]), b => Assert.Equal(0xEE, b));
        }
    }

    [Fact]
    public void AkkasSerializerWritesTheSameBytesAsItsToBinary()
    {
        using var system = ActorSystem.Create("buffered", WireSerialization.Config);
        foreach (var message in Messages())
        {
            var serializer = system.Serialization.FindSerializerFor(message);
            var buffered = Assert.IsAssignableFrom<IBufferSerializer>(serializer);
            var rented = ArrayPool<byte>.Shared.Rent(buffered.BinarySize(message));
            var size = buffered.BinarySize(message);
            buffered.WriteBinary(message, rented.AsMemory(0, size));
            Assert.Equal(serializer.ToBinary(message), rented.AsSpan(0, size).ToArray());
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    [Fact]
    public void ABufferOfAnotherSizeIsRefused()
    {
        var message = new Gradient(7, new WireTensor([3], [1f, 2f, 3f]));
        var size = WireCodec.SizeOf(message);
        var small = Assert.Throws<SerializationException>(() => WireCodec.EncodeInto(message, new byte[size - 1]));
        Assert.Contains($"more than the {size - 1} bytes", small.Message);
        var large = Assert.Throws<SerializationException>(() => WireCodec.EncodeInto(message, new byte[size + 1]));
        Assert.Contains($"encoded to {size} bytes into a buffer of {size + 1}", large.Message);
    }

    private sealed class DisposedTensor : ITensorPayload
    {
        public ReadOnlySpan<int> Dimensions => throw new ObjectDisposedException("Tensor");
        public ReadOnlySpan<float> Values => throw new ObjectDisposedException("Tensor");
    }

    [Fact]
    public void MeasuringAndWritingAreAsStrictAsEncode()
    {
        var unbound = Assert.Throws<SerializationException>(() => WireCodec.SizeOf(new object()));
        Assert.Contains("System.Object has no ActorGrad wire manifest", unbound.Message);
        Assert.Throws<SerializationException>(() => WireCodec.EncodeInto(new object(), new byte[16]));
        foreach (Action encode in new Action[]
                 {
                     () => WireCodec.SizeOf(new Gradient(1, new DisposedTensor())),
                     () => WireCodec.EncodeInto(new Gradient(1, new DisposedTensor()), new byte[16]),
                 })
        {
            var error = Assert.Throws<SerializationException>(encode);
            Assert.Contains(typeof(Gradient).FullName!, error.Message);
            Assert.IsType<ObjectDisposedException>(error.InnerException);
        }
        // A failed measure leaves the thread encoding normally, values included.
        var message = new Gradient(2, new WireTensor([2], [1f, 2f]));
        Assert.Equal(WireCodec.Encode(message).Length, WireCodec.SizeOf(message));
        Assert.Equal(7 + 2 * 4, WireCodec.Encode(message).Length); // 7: arrays, pass id, dimension, bin8 header
    }

    [Fact]
    public void MeasuringATensorDoesNotCopyItsValues()
    {
        var message = new Gradient(3, new WireTensor([16 << 20], new float[16 << 20]));
        WireCodec.SizeOf(message); // warm
        var before = GC.GetAllocatedBytesForCurrentThread();
        var size = WireCodec.SizeOf(message);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(14 + (64 << 20), size); // 14: arrays, pass id, a uint32 dimension, a bin32 header
        Assert.True(allocated < 16 * 1024, $"measuring a 64 MiB gradient allocated {allocated} bytes");
    }

    [Fact]
    public void NoDecodeKeepsItsInput()
    {
        // What TensorLaneSettings.CopyingSerializerIds relies on: overwriting the payload after decoding changes nothing.
        foreach (var message in Messages())
        {
            var bytes = WireCodec.Encode(message);
            var input = bytes.ToArray();
            var decoded = WireCodec.Decode(input, WireCodec.ManifestOf(message));
            Array.Fill(input, (byte)0xA5);
            Assert.Equal(bytes, WireCodec.Encode(decoded));
        }
    }

    [MessagePackObject]
    public sealed record Blobs(
        [property: Key(0)] byte[] Array,
        [property: Key(1)] ReadOnlyMemory<byte> ReadOnly,
        [property: Key(2)] Memory<byte> Writable,
        [property: Key(3)] ReadOnlySequence<byte> Sequence);

    [Fact]
    public void MessagePacksBinaryMembersInAnAnnotatedRecordDoNotKeepTheInputEither()
    {
        // A Packed row decodes its members with MessagePack's own formatters: binary members must copy too.
        var row = WireManifests.Packed<Blobs>("blobs");
        var message = new Blobs([1, 2], new byte[] { 3, 4 }, new byte[] { 5, 6 }, new ReadOnlySequence<byte>(new byte[] { 7, 8 }));
        var output = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(output);
        row.Write(ref writer, message, WireCodec.Options);
        writer.Flush();
        var input = output.WrittenSpan.ToArray();
        var reader = new MessagePackReader(input.AsMemory());
        var decoded = (Blobs)row.Read(ref reader, WireCodec.Options);
        Array.Fill(input, (byte)0xA5);
        Assert.Equal([1, 2], decoded.Array);
        Assert.Equal([3, 4], decoded.ReadOnly.ToArray());
        Assert.Equal([5, 6], decoded.Writable.ToArray());
        Assert.Equal([7, 8], decoded.Sequence.ToArray());
    }
}
