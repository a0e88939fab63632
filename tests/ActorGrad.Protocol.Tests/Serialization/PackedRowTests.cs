using System.Runtime.Serialization;
using ActorGrad.Protocol.Serialization;
using ActorGrad.Protocol.Tensors;
using MessagePack;

namespace ActorGrad.Protocol.Tests.Serialization;

/// <summary>A record annotated for MessagePack needs one table row (<c>Packed&lt;T&gt;</c>); its tensors and exceptions still go through our formatters.</summary>
public class PackedRowTests
{
    [MessagePackObject]
    public sealed record ShardDone(
        [property: Key(0)] long Step,
        [property: Key(1)] string Job,
        [property: Key(2)] int[] Shards,
        [property: Key(3)] ITensorPayload Loss,
        [property: Key(4)] Exception? Error);

    private static readonly WireEntry Row = WireManifests.Packed<ShardDone>("done");

    private static byte[] Encode(ShardDone message)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        Row.Write(ref writer, message, WireCodec.Options);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private static ShardDone Decode(byte[] bytes)
    {
        var reader = new MessagePackReader(bytes);
        return (ShardDone)Row.Read(ref reader, WireCodec.Options);
    }

    [Fact]
    public void AnAnnotatedRecordRoundTripsWithOurTensorAndExceptionFormats()
    {
        var message = new ShardDone(3, "job-1", [0, 2, 5], new WireTensor([], [float.NaN]), new TimeoutException("shard 2 timed out"));
        var decoded = Decode(Encode(message));
        Assert.Equal((3L, "job-1"), (decoded.Step, decoded.Job));
        Assert.Equal([0, 2, 5], decoded.Shards);
        WireAssert.SameTensor(message.Loss, decoded.Loss);
        Assert.IsType<WireTensor>(decoded.Loss);
        WireAssert.SameException(message.Error!, decoded.Error!);
    }

    [Fact]
    public void AForgedArrayCountInAnAnnotatedRecordIsRefusedWithoutAllocatingIt()
    {
        // [step, job, shards = array32 of 2^31-1 ints with nothing behind it, ...]
        byte[] payload = [0x95, 0x03, 0xa1, 0x6a, 0xdd, 0x7f, 0xff, 0xff, 0xff, 0x00];
        Decode(Encode(new ShardDone(1, "warm", [], new WireTensor([0], []), null))); // MessagePack builds the formatter once
        var before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.ThrowsAny<Exception>(() => Decode(payload));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 64 * 1024, $"{allocated} bytes allocated; {error}");
        // MessagePack refuses the count against the bytes left (ThrowInsufficientBufferUnless) with an EndOfStreamException;
        // once the JIT has inlined that helper its name is no longer in the stack trace, so the type is what is checked.
        Assert.IsType<EndOfStreamException>(error);
    }
}
