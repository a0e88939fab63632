using System.Buffers;
using ActorGrad.Protocol.Wire;

namespace ActorGrad.Protocol.Tests.Wire;

/// <summary>
/// Random and mutated bytes must never crash or hang the decoder: every input either decodes,
/// waits for more bytes, or throws a FrameException (after which a transport closes the connection).
/// </summary>
public class FrameFuzzTests
{
    private const int MaxFrameBytes = 1 << 16;
    private readonly FrameDecoder _decoder = new(MaxFrameBytes);

    [Fact]
    public void TenThousandRandomByteStrings()
    {
        var rng = new Random(1234);
        var outcomes = new Outcomes();
        for (var i = 0; i < 10_000; i++)
        {
            var bytes = new byte[rng.Next(0, 200)];
            rng.NextBytes(bytes);
            // A third keep their random prefix; a third get a consistent one, so the header parser sees
            // garbage too; a third announce a frame longer than what arrived (still to come).
            var kind = rng.Next(3);
            if (bytes.Length >= 8 && kind == 1)
            {
                BitConverter.TryWriteBytes(bytes, bytes.Length - 4);
                BitConverter.TryWriteBytes(bytes.AsSpan(4), rng.Next(0, bytes.Length - 7));
            }
            else if (bytes.Length >= 4 && kind == 2)
                BitConverter.TryWriteBytes(bytes, rng.Next(bytes.Length - 3, MaxFrameBytes));
            DecodeAll(bytes, rng.Next(1, 64), outcomes);
        }
        // The fuzzer reached every branch: rejections, incomplete frames and (with the plausible prefixes) some decodes.
        Assert.True(outcomes.Rejected > 1000, $"rejected {outcomes.Rejected}");
        Assert.True(outcomes.Incomplete > 1000, $"incomplete {outcomes.Incomplete}");
    }

    [Fact]
    public void TenThousandMutatedValidFrames()
    {
        var rng = new Random(5678);
        var valid = Frames.OfEveryKind().Select(f => FrameEncoder.Encode(f))
            .Append(FrameEncoder.Encode(new Frame { Gossip = Frames.Gossip() }, new WireTensor([4, 5], new float[20])))
            .ToArray();
        var outcomes = new Outcomes();
        for (var i = 0; i < 10_000; i++)
        {
            var bytes = (byte[])valid[rng.Next(valid.Length)].Clone();
            var mutations = rng.Next(1, 4);
            for (var m = 0; m < mutations; m++)
            {
                switch (rng.Next(4))
                {
                    case 0: bytes[rng.Next(bytes.Length)] ^= (byte)(1 << rng.Next(8)); break; // flip a bit
                    case 1: bytes[rng.Next(bytes.Length)] = (byte)rng.Next(256); break;      // overwrite a byte
                    case 2: bytes = bytes[..rng.Next(bytes.Length + 1)]; break;               // truncate
                    default:                                                                 // insert junk
                        var at = rng.Next(bytes.Length + 1);
                        bytes = [.. bytes[..at], (byte)rng.Next(256), .. bytes[at..]];
                        break;
                }
                if (bytes.Length == 0) break;
            }
            DecodeAll(bytes, rng.Next(1, 64), outcomes);
        }
        Assert.True(outcomes.Decoded > 100, $"decoded {outcomes.Decoded}");
        Assert.True(outcomes.Rejected > 1000, $"rejected {outcomes.Rejected}");
    }

    private sealed class Outcomes
    {
        public int Decoded, Rejected, Incomplete;
    }

    /// <summary>Decodes frames until the decoder waits or rejects; each read must consume bytes (no hang).</summary>
    private void DecodeAll(byte[] bytes, int segmentSize, Outcomes outcomes)
    {
        var buffer = Frames.Segmented(bytes, segmentSize);
        try
        {
            while (true)
            {
                var before = buffer.Length;
                if (!_decoder.TryRead(ref buffer, out var frame))
                {
                    outcomes.Incomplete++;
                    return;
                }
                Assert.True(buffer.Length < before, "a decoded frame consumed no bytes");
                Assert.InRange(frame.WireBytes, 8, MaxFrameBytes + 4);
                Assert.NotEqual(Frame.KindOneofCase.None, frame.Header.KindCase);
                if (frame.Tensor is { } t) Assert.Equal(t.Dimensions.ToArray().Aggregate(1L, (a, d) => a * d), t.Values.Length);
                outcomes.Decoded++;
            }
        }
        catch (FrameException)
        {
            outcomes.Rejected++;
        }
    }
}
