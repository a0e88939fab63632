using System.Runtime.Serialization;
using ActorGrad.Protocol.Serialization;
using ActorGrad.Protocol.Specs;
using ActorGrad.Protocol.Tensors;
using ActorGrad.Protocol.Tests.Serialization;
using Akka.Actor;
using MessagePack;

namespace ActorGrad.Protocol.Tests.Specs;

public class GraphSpecWireTests
{
    /// <summary>A small spec using every field: mean squared error of x @ w + b against y, with a reshape and a sum over axis 1.</summary>
    internal static GraphSpec Sample() => new(
        [new SpecParameter("w", [2, 3]), new SpecParameter("b", [3])],
        [new SpecDataInput("x", [2], 0), new SpecDataInput("y", [3], 1)],
        [new SpecTensor(new WireTensor([], [0.5f])), new SpecTensor(new WireTensor([2, 2], [1f, float.NaN, -0f, float.PositiveInfinity]))],
        [
            new SpecNode("matmul", SpecAttributes.None, [SpecInput.Data(0), SpecInput.Parameter(0)]),
            new SpecNode("add", SpecAttributes.None, [SpecInput.Node(0), SpecInput.Parameter(1)]),
            new SpecNode("permute", new SpecAttributes(Axes: [1, 0]), [SpecInput.Data(1)]),
            new SpecNode("sub", SpecAttributes.None, [SpecInput.Node(1), SpecInput.Node(2)]),
            new SpecNode("reshape", new SpecAttributes(Shape: [-1, 3, 1]), [SpecInput.Node(3)]),
            new SpecNode("mul", SpecAttributes.None, [SpecInput.Node(4), SpecInput.Node(4)]),
            new SpecNode("sum", new SpecAttributes(Axes: [1, 2], KeepDims: false), [SpecInput.Node(5)]),
            new SpecNode("mul", SpecAttributes.None, [SpecInput.Node(6), SpecInput.Constant(0)]),
            new SpecNode("sum", new SpecAttributes(Axes: [0], KeepDims: true), [SpecInput.Node(7)]),
        ],
        8, LossReduction.Mean);

    private static GraphSpec RoundTrip(GraphSpec spec) => (GraphSpec)WireCodec.Decode(WireCodec.Encode(spec), WireCodec.ManifestOf(spec));

    [Fact]
    public void ASpecRoundTripsFieldByField()
    {
        var spec = Sample();
        var decoded = RoundTrip(spec);
        Assert.Equal("spec", WireCodec.ManifestOf(spec));
        SpecAssert.Same(spec, decoded);
        Assert.Equal(WireCodec.Encode(spec), WireCodec.Encode(decoded));
    }

    [Fact]
    public void ASpecRoundTripsThroughAkkasSerialization()
    {
        using var system = ActorSystem.Create("spec-roundtrip", WireSerialization.Config);
        var spec = Sample();
        var serializer = Assert.IsType<ActorGradSerializer>(system.Serialization.FindSerializerFor(spec));
        var decoded = system.Serialization.Deserialize(serializer.ToBinary(spec), serializer.Identifier, serializer.Manifest(spec));
        SpecAssert.Same(spec, Assert.IsType<GraphSpec>(decoded));
    }

    [Fact]
    public void ADecodedConstantStaysTheSameWhoeverReadsIt()
    {
        // A WireTensor hands its array to its first taker; a spec's constants must not be given away like that.
        var decoded = RoundTrip(Sample());
        Assert.IsType<SpecTensor>(decoded.Constants[1]);
        var first = decoded.Constants[1].Values.ToArray();
        Assert.Equal(WireAssert.Bits(first), WireAssert.Bits(RoundTrip(decoded).Constants[1].Values));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(-1)]
    [InlineData(int.MaxValue)]
    public void AnotherFormatVersionIsRefusedByItsNumber(int version)
    {
        var bytes = WireCodec.Encode(Sample() with { FormatVersion = version });
        var error = Assert.Throws<SerializationException>(() => WireCodec.Decode(bytes, "spec"));
        var unsupported = Assert.IsType<UnsupportedSpecFormatException>(error.InnerException);
        Assert.Equal(version, unsupported.Version);
        Assert.Contains($"format version {version}", error.Message);
        Assert.Contains($"reads format versions {GraphSpec.OldestReadableFormatVersion} to {GraphSpec.CurrentFormatVersion}", error.Message);
    }

    [Fact]
    public void AFutureVersionWithMoreFieldsIsRefusedByItsVersionNotItsLayout()
    {
        // [3, "whatever a later version writes", ...]: the version decides before the layout is read.
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(9);
        writer.Write(3);
        for (var i = 0; i < 8; i++) writer.Write("field " + i);
        writer.Flush();
        var error = Assert.Throws<SerializationException>(() => WireCodec.Decode(buffer.WrittenMemory, "spec"));
        Assert.IsType<UnsupportedSpecFormatException>(error.InnerException);
    }

    /// <summary>Nodes with every attribute of format version 2: index_select's indices, clamp's bounds, top-k's k and order.</summary>
    private static GraphSpec SampleVersion2() => Sample() with
    {
        Nodes = Sample().Nodes.AddRange(new[]
        {
            new SpecNode("index_select", new SpecAttributes(Axes: [-1], Indices: [2, 0, 2]), [SpecInput.Node(1)]),
            new SpecNode("clamp", new SpecAttributes(Min: -0.5f, Max: float.PositiveInfinity), [SpecInput.Node(9)]),
            new SpecNode("clamp", new SpecAttributes(Max: 3f), [SpecInput.Node(10)]),
            new SpecNode("topk", new SpecAttributes(Axes: [1], K: 2, Descending: true), [SpecInput.Node(11)]),
        }),
    };

    [Fact]
    public void Version2AttributesRoundTrip()
    {
        var spec = SampleVersion2();
        var decoded = RoundTrip(spec);
        SpecAssert.Same(spec, decoded);
        for (var i = 0; i < spec.Nodes.Length; i++)
        {
            SpecAttributes e = spec.Nodes[i].Attributes, a = decoded.Nodes[i].Attributes;
            Assert.Equal(e.Indices?.ToArray(), a.Indices?.ToArray());
            Assert.Equal((e.Min, e.Max, e.K, e.Descending), (a.Min, a.Max, a.K, a.Descending));
        }
        Assert.Equal(WireCodec.Encode(spec), WireCodec.Encode(decoded));
    }

    [Fact]
    public void AVersion1SpecIsStillReadAsVersion2()
    {
        // Written in version 1's layout (five fields a node), as a member of the previous release sends it.
        var bytes = WireCodec.Encode(Sample() with { FormatVersion = 1 });
        var decoded = (GraphSpec)WireCodec.Decode(bytes, "spec");
        Assert.Equal(GraphSpec.CurrentFormatVersion, decoded.FormatVersion);
        SpecAssert.Same(Sample(), decoded);
        Assert.All(decoded.Nodes, n => Assert.False(n.Attributes.UsesVersion2));
        Assert.True(WireCodec.Encode(Sample()).Length > bytes.Length);
    }

    [Fact]
    public void Version2AttributesCannotBeWrittenAsVersion1()
    {
        var error = Assert.Throws<SerializationException>(() => WireCodec.Encode(SampleVersion2() with { FormatVersion = 1 }));
        Assert.Contains("index_select", error.ToString());
    }

    [Fact]
    public void EveryTruncationIsASerializationException()
    {
        var bytes = WireCodec.Encode(Sample());
        for (var length = 0; length < bytes.Length; length++)
        {
            var error = Assert.Throws<SerializationException>(() => WireCodec.Decode(bytes.AsMemory(0, length), "spec"));
            Assert.Contains("'spec'", error.Message);
        }
    }

    [Fact]
    public void RandomCorruptionIsASerializationExceptionOrAValidSpec()
    {
        var bytes = WireCodec.Encode(Sample());
        var random = new Random(12);
        for (var trial = 0; trial < 2000; trial++)
        {
            var corrupt = (byte[])bytes.Clone();
            for (var flips = random.Next(1, 4); flips > 0; flips--) corrupt[random.Next(corrupt.Length)] = (byte)random.Next(256);
            try { Assert.IsType<GraphSpec>(WireCodec.Decode(corrupt, "spec")); }
            catch (SerializationException) { }
        }
    }
}

internal static class SpecAssert
{
    public static void Same(GraphSpec expected, GraphSpec actual)
    {
        Assert.Equal(expected.FormatVersion, actual.FormatVersion);
        Assert.Equal(expected.Parameters.Select(p => (p.Name, string.Join(",", p.Shape))), actual.Parameters.Select(p => (p.Name, string.Join(",", p.Shape))));
        Assert.Equal(expected.DataInputs.Select(d => (d.Name, string.Join(",", d.ExampleShape), d.BatchAxis)),
            actual.DataInputs.Select(d => (d.Name, string.Join(",", d.ExampleShape), d.BatchAxis)));
        Assert.Equal(expected.Constants.Length, actual.Constants.Length);
        for (var i = 0; i < expected.Constants.Length; i++) WireAssert.SameTensor(expected.Constants[i], actual.Constants[i]);
        Assert.Equal(expected.Nodes.Length, actual.Nodes.Length);
        for (var i = 0; i < expected.Nodes.Length; i++)
        {
            SpecNode e = expected.Nodes[i], a = actual.Nodes[i];
            Assert.Equal(e.Op, a.Op);
            Assert.Equal(e.Attributes.ToString(), a.Attributes.ToString());
            Assert.Equal(e.Attributes.Axes is null, a.Attributes.Axes is null);
            Assert.Equal(e.Attributes.Shape is null, a.Attributes.Shape is null);
            Assert.Equal(e.Inputs.ToArray(), a.Inputs.ToArray());
        }
        Assert.Equal((expected.LossNode, expected.Reduction), (actual.LossNode, actual.Reduction));
    }
}
