using ActorGrad.Protocol.Nodes;
using ActorGrad.Protocol.Serialization;
using ActorGrad.Protocol.Tensors;
using Akka.Actor;

namespace ActorGrad.Protocol.Tests.Serialization;

public class RoundTripTests
{
    public static TheoryData<string> MessageTypeNames() => new(SampleMessages.MessageTypes.Select(t => t.Name));

    private static Type TypeNamed(string name) => SampleMessages.MessageTypes.Single(t => t.Name == name);

    [Theory]
    [MemberData(nameof(MessageTypeNames))]
    public void EveryMessageRoundTrips(string typeName)
    {
        var random = new Random(typeName.Length * 7919);
        for (var i = 0; i < 20; i++)
        {
            var message = SampleMessages.Create(TypeNamed(typeName), random);
            var manifest = WireCodec.ManifestOf(message);
            var decoded = WireCodec.Decode(WireCodec.Encode(message), manifest);
            WireAssert.SameMessage(message, decoded);
        }
    }

    [Fact]
    public void EveryMessageRoundTripsThroughAkkasSerialization()
    {
        using var system = ActorSystem.Create("roundtrip", WireSerialization.Config);
        var serialization = system.Serialization;
        var random = new Random(5);
        foreach (var type in SampleMessages.MessageTypes)
        {
            var message = SampleMessages.Create(type, random);
            var serializer = Assert.IsType<ActorGradSerializer>(serialization.FindSerializerFor(message));
            var bytes = serializer.ToBinary(message);
            var decoded = serialization.Deserialize(bytes, serializer.Identifier, serializer.Manifest(message));
            WireAssert.SameMessage(message, decoded);
        }
    }

    [Fact]
    public void AGradReplyWithoutAGradientRoundTrips()
    {
        var decoded = (GradReply)WireCodec.Decode(WireCodec.Encode(new GradReply(null)), "grep");
        Assert.Null(decoded.Grad);
    }

    [Fact]
    public void ASmallMessageIsAFewBytes()
    {
        // [passId, expected, retain] as a MessagePack array: fixarray(3), positive fixints, true.
        Assert.Equal(new byte[] { 0x93, 0x03, 0x02, 0xc3 }, WireCodec.Encode(new PreparePass(3, 2, true)));
        Assert.Equal(new byte[] { 0x90 }, WireCodec.Encode(new Unsubscribe()));
    }

    [Fact]
    public void DecodedTensorsAreWireTensorsThatHandOverTheirArrayOnce()
    {
        var message = new Gradient(1, new WireTensor([2], [1f, 2f]));
        var decoded = (Gradient)WireCodec.Decode(WireCodec.Encode(message), "grad");
        var tensor = Assert.IsType<WireTensor>(decoded.Value);
        Assert.True(tensor.TryTakeValues(out var values));
        Assert.Equal([1f, 2f], values);
        Assert.False(tensor.TryTakeValues(out _));
    }
}
