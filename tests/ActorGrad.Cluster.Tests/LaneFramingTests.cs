using ActorGrad.Cluster.Lanes;
using Akka.Actor;

namespace ActorGrad.Cluster.Tests.Lanes;

/// <summary>The lane's pieces without sockets: its bytes (no length taken on trust) and its bounded send queue.</summary>
public sealed class LaneFramingTests
{
    private static LaneFrame Frame(int payloadBytes, string recipient = "akka.tcp://a@127.0.0.1:1/user/x#1") =>
        new(recipient, "akka.tcp://b@127.0.0.1:2/user/y#2", 4, "m", new byte[payloadBytes]);

    private static Outgoing Queued(int payloadBytes) => new(Frame(payloadBytes), new object(), ActorRefs.Nobody, ActorRefs.Nobody);

    [Fact]
    public void AFrameReadsBackAsItWasWritten()
    {
        var frame = Frame(3) with { Manifest = "tensor/µ" };
        var head = LaneWire.EncodeHead(frame);
        var (headerBytes, payloadBytes, inRing) = LaneWire.DecodePrefix(head, 100);
        Assert.False(inRing);
        Assert.Equal(head.Length - LaneWire.PrefixBytes, headerBytes);
        Assert.Equal(3, payloadBytes);
        var (serializerId, recipient, sender, manifest) = LaneWire.DecodeHeader(head.AsSpan(LaneWire.PrefixBytes));
        Assert.Equal((4, frame.Recipient, frame.Sender, "tensor/µ"), (serializerId, recipient, sender, manifest));
    }

    [Fact]
    public void APayloadOverTheLimitIsRefusedBeforeAnythingIsAllocated()
    {
        var head = LaneWire.EncodeHead(Frame(101));
        var e = Assert.Throws<InvalidDataException>(() => LaneWire.DecodePrefix(head, 100));
        Assert.Contains("101-byte payload", e.Message);
    }

    [Fact]
    public void AHeaderWhoseStringsRunPastItsEndIsRefused()
    {
        var head = LaneWire.EncodeHead(Frame(0));
        var header = head.AsSpan(LaneWire.PrefixBytes).ToArray();
        header[4] = 0xff; // the recipient path's length, now longer than the header
        var e = Assert.Throws<InvalidDataException>(() => LaneWire.DecodeHeader(header));
        Assert.Contains("recipient path", e.Message);
    }

    [Fact]
    public void AnAbsurdHeaderLengthIsRefused()
    {
        var prefix = new byte[LaneWire.PrefixBytes];
        BitConverter.TryWriteBytes(prefix, uint.MaxValue);
        Assert.Throws<InvalidDataException>(() => LaneWire.DecodePrefix(prefix, 100));
    }

    [Fact]
    public async Task TheSendQueueHoldsItsBoundAndAdmitsInOrder()
    {
        var queue = new SendQueue(maxBytes: 1000);
        var first = Queued(600);
        Assert.True(queue.EnqueueAsync(first, default).IsCompleted);
        var second = Queued(600);
        var secondAdmitted = queue.EnqueueAsync(second, default);
        var third = Queued(10);
        var thirdAdmitted = queue.EnqueueAsync(third, default);
        // Over the bound: both wait, and the small one does not overtake the big one.
        Assert.False(secondAdmitted.IsCompleted);
        Assert.False(thirdAdmitted.IsCompleted);

        Assert.True(queue.Reader.TryRead(out var written));
        Assert.Same(first, written);
        queue.Sent(first);
        await secondAdmitted.WaitAsync(TimeSpan.FromSeconds(5));
        await thirdAdmitted.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(queue.Reader.TryRead(out var next));
        Assert.Same(second, next);
        Assert.True(queue.Reader.TryRead(out var last));
        Assert.Same(third, last);
    }

    [Fact]
    public void AMessageLargerThanTheBoundStillGoesAlone()
    {
        var queue = new SendQueue(maxBytes: 1000);
        Assert.True(queue.EnqueueAsync(Queued(5000), default).IsCompleted);
        Assert.False(queue.EnqueueAsync(Queued(1), default).IsCompleted);
    }

    [Fact]
    public async Task ClosingTheQueueHandsBackWhatWaitedAndFailsTheWaiters()
    {
        var queue = new SendQueue(maxBytes: 1000);
        var queued = Queued(900);
        await queue.EnqueueAsync(queued, default);
        var waiting = Queued(900);
        var admitted = queue.EnqueueAsync(waiting, default);

        var left = queue.Close();

        Assert.Equal([queued, waiting], left);
        await Assert.ThrowsAsync<InvalidOperationException>(() => admitted);
    }
}

/// <summary>A payload shared by the frames of one message to several peers goes back to its pool once, after the last frame.</summary>
public sealed class RentedPayloadTests
{
    private sealed class RecordingPool : System.Buffers.ArrayPool<byte>
    {
        public List<byte[]> Returned { get; } = [];
        public override byte[] Rent(int minimumLength) => new byte[minimumLength];
        public override void Return(byte[] array, bool clearArray = false) => Returned.Add(array);
    }

    [Fact]
    public void TheArrayGoesBackOnlyWhenEveryFrameIsDone()
    {
        var pool = new RecordingPool();
        var array = pool.Rent(100);
        var payload = new RentedPayload(array, holders: 3, pool);
        payload.Release();
        payload.Release();
        Assert.Empty(pool.Returned); // a writer still reads it: it must not be rented out again
        payload.Release();
        Assert.Same(array, Assert.Single(pool.Returned));
        Assert.Throws<InvalidOperationException>(payload.Release);
        Assert.Single(pool.Returned);
    }
}
