using System.Buffers;
using System.Buffers.Binary;
using ActorGrad.Protocol.Wire;

namespace ActorGrad.Protocol.Tests.Wire;

public class FrameCodecTests
{
    private readonly FrameDecoder _decoder = new();

    [Fact]
    public void EveryKindOfFrameRoundTrips()
    {
        foreach (var frame in Frames.OfEveryKind())
        {
            var bytes = FrameEncoder.Encode(frame);
            var decoded = _decoder.Decode(bytes);
            Assert.Equal(frame, decoded.Header);
            Assert.Null(decoded.Tensor);
            Assert.Equal(bytes.Length, decoded.WireBytes);
        }
    }

    public static TheoryData<int[]> TensorShapes => new() { Array.Empty<int>(), new[] { 0 }, new[] { 1 }, new[] { 3, 0, 2 }, new[] { 7 }, new[] { 2, 3, 5 }, new[] { 1 << 18 } };

    [Theory]
    [MemberData(nameof(TensorShapes))]
    public void TensorPayloadRoundTripsBitForBit(int[] dims)
    {
        var count = dims.Aggregate(1, (a, d) => a * d);
        var rng = new Random(count);
        var values = Enumerable.Range(0, count).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        if (count >= 3) { values[0] = float.NaN; values[1] = float.NegativeInfinity; values[2] = -0f; }
        var frame = new Frame { Envelope = new Envelope { Recipient = "actorgrad://s@h:1/user/n", User = new UserMessage { Manifest = "Forward" } } };

        var bytes = FrameEncoder.Encode(frame, new WireTensor(dims, values));
        var decoded = _decoder.Decode(bytes);

        Assert.NotNull(decoded.Tensor);
        Assert.Equal(dims, decoded.Tensor.Dimensions.ToArray());
        Assert.Equal(values.Select(BitConverter.SingleToInt32Bits), decoded.Tensor.Values.ToArray().Select(BitConverter.SingleToInt32Bits));
        Assert.Equal("Forward", decoded.Header.Envelope.User.Manifest);
    }

    [Fact]
    public void ValuesTravelAsRawLittleEndianFloatsAfterTheHeader()
    {
        var frame = new Frame { Accepted = new HandshakeAccepted() };
        var bytes = FrameEncoder.Encode(frame, new WireTensor([2], [1.5f, -2f]));
        var frameLength = BinaryPrimitives.ReadUInt32LittleEndian(bytes);
        var headerLength = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(4));
        Assert.Equal(bytes.Length - 4, (int)frameLength);
        var payload = bytes.AsSpan(8 + (int)headerLength);
        Assert.Equal(8, payload.Length);
        Assert.Equal(1.5f, BinaryPrimitives.ReadSingleLittleEndian(payload));
        Assert.Equal(-2f, BinaryPrimitives.ReadSingleLittleEndian(payload[4..]));
    }

    [Fact]
    public void EncoderOwnsTheTensorHeader()
    {
        var frame = new Frame { Accepted = new HandshakeAccepted() };
        FrameEncoder.Encode(frame, new WireTensor([1], [1f]));
        var without = _decoder.Decode(FrameEncoder.Encode(frame));
        Assert.Null(without.Tensor);
        Assert.Null(without.Header.Tensor);
    }

    [Fact]
    public void FramesArrivingInPiecesDecodeOnlyWhenWhole()
    {
        var first = FrameEncoder.Encode(new Frame { Heartbeat = new Heartbeat { Sequence = 1 } });
        var second = FrameEncoder.Encode(new Frame { Gossip = Frames.Gossip() }, new WireTensor([3, 3], new float[9]));
        var stream = first.Concat(second).ToArray();

        // Every prefix: only the frames wholly inside it decode, and the rest stays in the buffer.
        for (var cut = 0; cut <= stream.Length; cut++)
        {
            var buffer = Frames.Segmented(stream[..cut], 5);
            var frames = new List<DecodedFrame>();
            while (_decoder.TryRead(ref buffer, out var frame)) frames.Add(frame);
            var expected = cut >= stream.Length ? 2 : cut >= first.Length ? 1 : 0;
            Assert.Equal(expected, frames.Count);
            Assert.Equal(cut - frames.Sum(f => f.WireBytes), buffer.Length);
        }
    }

    [Fact]
    public void OversizedFrameIsRefusedAsSoonAsItsLengthArrives()
    {
        var decoder = new FrameDecoder(maxFrameBytes: 1024);
        var prefix = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(prefix, 1025);
        var buffer = new ReadOnlySequence<byte>(prefix);
        var error = Assert.Throws<FrameException>(() => decoder.TryRead(ref buffer, out _));
        Assert.Contains("1025", error.Message);
        Assert.Contains("1024", error.Message);
    }

    [Fact]
    public void EncoderRefusesAFrameAboveTheMaximum()
    {
        var frame = new Frame { Accepted = new HandshakeAccepted() };
        var error = Assert.Throws<FrameException>(() => FrameEncoder.Encode(frame, new WireTensor([300], new float[300]), maxFrameBytes: 1024));
        Assert.Contains("1024", error.Message);
        Assert.Equal(frame, _decoder.Decode(FrameEncoder.Encode(frame, new WireTensor([200], new float[200]), maxFrameBytes: 1024)).Header);
    }

    [Fact]
    public void EncoderRefusesAnEmptyHeaderOrAnInconsistentTensor()
    {
        Assert.Throws<ArgumentException>(() => FrameEncoder.Encode(new Frame()));
        Assert.Throws<ArgumentException>(() => FrameEncoder.Encode(new Frame { Accepted = new() }, new MismatchedPayload()));
    }

    private sealed class MismatchedPayload : Tensors.ITensorPayload
    {
        public ReadOnlySpan<int> Dimensions => new[] { 2, 2 };
        public ReadOnlySpan<float> Values => new float[3];
    }

    public static TheoryData<string, byte[]> MalformedFrames()
    {
        var accepted = FrameEncoder.Encode(new Frame { Accepted = new HandshakeAccepted() });
        var withTensor = FrameEncoder.Encode(new Frame { Accepted = new HandshakeAccepted() }, new WireTensor([2], [1f, 2f]));
        return new()
        {
            { "shorter than", Raw(frameLength: 3, headerLength: 0, []) },
            { "exceeds the", Raw(frameLength: 8, headerLength: 5, [0, 0, 0, 0]) },
            { "not a valid Frame", Raw(frameLength: 7, headerLength: 3, [0xFF, 0xFF, 0xFF]) },
            { "no message", Raw(frameLength: 4, headerLength: 0, []) },
            { "describes no tensor", accepted.Concat(new byte[] { 1, 2, 3, 4 }).ToArray() is var extra ? Patch(extra, 4) : [] },
            { "needs 8 payload bytes", Patch(withTensor[..^4], -4) },
            { "negative", WithHeader(new Frame { Accepted = new(), Tensor = new TensorHeader { Dims = { -1 } } }, []) },
            { "too large", WithHeader(new Frame { Accepted = new(), Tensor = new TensorHeader { Dims = { 1 << 20, 1 << 20 } } }, []) },
        };
    }

    [Theory]
    [MemberData(nameof(MalformedFrames))]
    public void MalformedFramesThrowFrameExceptionNamingTheProblem(string expected, byte[] bytes)
    {
        var buffer = new ReadOnlySequence<byte>(bytes);
        var error = Assert.Throws<FrameException>(() => _decoder.TryRead(ref buffer, out _));
        Assert.Contains(expected, error.Message);
        Assert.Equal(bytes.Length, buffer.Length); // nothing consumed
    }

    [Fact]
    public void UnknownProtocolVersionIsRejectedNamingBothVersions()
    {
        var error = Assert.Throws<ProtocolVersionException>(() => WireProtocol.EnsureSupported(WireProtocol.Version + 1));
        Assert.Contains($"version {WireProtocol.Version + 1}", error.Message);
        Assert.Contains($"version {WireProtocol.Version}", error.Message);
        WireProtocol.EnsureSupported(WireProtocol.Version);
    }

    private static byte[] Raw(uint frameLength, uint headerLength, byte[] rest)
    {
        var bytes = new byte[8 + rest.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, frameLength);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), headerLength);
        rest.CopyTo(bytes, 8);
        return bytes[..(int)Math.Min(bytes.Length, 4 + frameLength)];
    }

    /// <summary>A frame with any header, even one the encoder would not write, and the given payload.</summary>
    private static byte[] WithHeader(Frame header, byte[] payload)
    {
        var headerBytes = Google.Protobuf.MessageExtensions.ToByteArray(header);
        return Raw((uint)(4 + headerBytes.Length + payload.Length), (uint)headerBytes.Length, headerBytes.Concat(payload).ToArray());
    }

    /// <summary>Adds <paramref name="delta"/> to the frame-length prefix (after appending or cutting bytes).</summary>
    private static byte[] Patch(byte[] bytes, int delta)
    {
        var copy = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(copy, (uint)(BinaryPrimitives.ReadUInt32LittleEndian(copy) + delta));
        return copy;
    }
}
