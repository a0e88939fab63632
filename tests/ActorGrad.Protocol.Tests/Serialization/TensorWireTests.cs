using System.Buffers.Binary;
using System.Runtime.Serialization;
using ActorGrad.Protocol.Nodes;
using ActorGrad.Protocol.Serialization;
using ActorGrad.Protocol.Tensors;

namespace ActorGrad.Protocol.Tests.Serialization;

public class TensorWireTests
{
    public static TheoryData<int[]> Shapes() => new([], [0], [1], [7], [3, 4], [2, 0, 5], [2, 3, 4], [1, 2, 3, 4], [2, 2, 0, 2], [300, 7]);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void TensorsOfRankZeroToFourRoundTrip(int[] shape)
    {
        var count = shape.Aggregate(1, (a, b) => a * b);
        var values = Enumerable.Range(0, count).Select(i => i * 0.25f - 3f).ToArray();
        var message = new Forward(1, new WireTensor(shape, values));
        var decoded = (Forward)WireCodec.Decode(WireCodec.Encode(message), "fwd");
        WireAssert.SameTensor(message.Value, decoded.Value);
    }

    [Fact]
    public void SpecialValuesTravelBitForBit()
    {
        float[] values =
        [
            float.NaN, BitConverter.Int32BitsToSingle(0x7fc00001), BitConverter.Int32BitsToSingle(unchecked((int)0xffbfffff)), // NaNs with payloads, a signalling one
            -0f, 0f, float.Epsilon, -float.Epsilon, BitConverter.Int32BitsToSingle(0x007fffff), // subnormals
            float.PositiveInfinity, float.NegativeInfinity, float.MaxValue, float.MinValue, 1e-38f,
        ];
        var decoded = (Gradient)WireCodec.Decode(WireCodec.Encode(new Gradient(7, new WireTensor([values.Length], values))), "grad");
        Assert.Equal(WireAssert.Bits(values), WireAssert.Bits(decoded.Value.Values));
    }

    [Fact]
    public void ValuesAreRawLittleEndianFloat32AtTheEnd()
    {
        float[] values = [1.5f, -2f, float.NaN];
        var bytes = WireCodec.Encode(new Gradient(1, new WireTensor([3], values)));
        // [passId, [[3], bin8(12) v0 v1 v2]]
        var tail = bytes.AsSpan(bytes.Length - 12);
        Assert.Equal(new byte[] { 0xc4, 12 }, bytes.AsSpan(bytes.Length - 14, 2).ToArray());
        for (var i = 0; i < 3; i++)
            Assert.Equal(BitConverter.SingleToInt32Bits(values[i]), BinaryPrimitives.ReadInt32LittleEndian(tail[(4 * i)..]));
    }

    [Fact]
    public void AOneMebibyteTensorCostsItsBytesAndAFewMore()
    {
        var values = new float[1 << 18];
        var bytes = WireCodec.Encode(new Gradient(1, new WireTensor([512, 512], values)));
        Assert.InRange(bytes.Length, 1 << 20, (1 << 20) + 16);
    }

    [Fact]
    public void ATensorWhoseValuesDoNotFillItsDimensionsIsNotSent()
    {
        var error = Assert.Throws<SerializationException>(() => WireCodec.Encode(new Forward(0, new LyingTensor())));
        Assert.Contains("[2, 2]", error.Message);
    }

    private sealed class LyingTensor : ITensorPayload
    {
        public ReadOnlySpan<int> Dimensions => new[] { 2, 2 };
        public ReadOnlySpan<float> Values => new[] { 1f };
    }

    // Hand-made payloads for 'vrep' ([tensor]) with forged headers.
    public static TheoryData<string, byte[], string> Forgeries() => new()
    {
        { "rank 33", [0x91, 0x92, 0xdc, 0x00, 0x21, .. Enumerable.Repeat((byte)1, 33), 0xc4, 0x04, 0, 0, 0, 0], "rank 33" },
        { "negative dimension", [0x91, 0x92, 0x91, 0xff, 0xc4, 0x00], "[-1]" },
        { "dimensions beyond the cap", [0x91, 0x92, 0x92, 0xce, 0x00, 0x01, 0x00, 0x00, 0xce, 0x00, 0x01, 0x00, 0x00, 0xc4, 0x00], "[65536, 65536]" },
        { "bin length beyond the payload", [0x91, 0x92, 0x91, 0xce, 0x00, 0x10, 0x00, 0x00, 0xc6, 0x00, 0x40, 0x00, 0x00, 1, 2, 3, 4], "vrep" },
        { "bin length not matching the dimensions", [0x91, 0x92, 0x91, 0x02, 0xc4, 0x04, 0, 0, 0x80, 0x3f], "needs 8 bytes" },
        { "array header beyond the payload", [0x91, 0x92, 0xdd, 0x7f, 0xff, 0xff, 0xff], "vrep" },
        { "nil instead of values", [0x91, 0x92, 0x90, 0xc0], "nil" },
        { "nil instead of a required tensor", [0x91, 0xc0], "carries no tensor" },
        { "trailing bytes", [0x91, 0x92, 0x90, 0xc4, 0x04, 0, 0, 0x80, 0x3f, 0x00], "1 bytes follow" },
    };

    [Theory]
    [MemberData(nameof(Forgeries))]
    public void AForgedTensorHeaderIsRefused(string what, byte[] payload, string expected)
    {
        var error = Assert.Throws<SerializationException>(() => WireCodec.Decode(payload, "vrep"));
        Assert.True(error.Message.Contains(expected) && error.Message.Contains("'vrep'"), $"{what}: {error.Message}");
    }
}
