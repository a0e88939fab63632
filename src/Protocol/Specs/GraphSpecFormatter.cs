using System.Collections.Immutable;
using System.Runtime.Serialization;
using ActorGrad.Protocol.Serialization;
using MessagePack;

namespace ActorGrad.Protocol.Specs;

/// <summary>
/// A <see cref="GraphSpec"/> on the wire (the "spec" row of <see cref="WireManifests"/>), format version 1:
/// <c>[version, parameters, dataInputs, constants, nodes, lossNode, reduction]</c> with
/// parameter <c>[name, [dims]]</c>, data input <c>[name, [exampleDims], batchAxis]</c>, constant a tensor
/// (<see cref="TensorFormatter"/>), node <c>[op, axes|nil, keepDims, shape|nil, [[kind, index], ...]]</c>.
/// The version is read first, so a spec of another version is refused by its number before anything else is read.
/// Decoding checks only the layout; what the spec means is checked where it runs (Nodes' SpecValidator).
/// </summary>
internal static class GraphSpecFormatter
{
    private const int Fields = 7;

    public static void Write(ref MessagePackWriter w, GraphSpec spec, MessagePackSerializerOptions o)
    {
        w.WriteArrayHeader(Fields);
        w.Write(spec.FormatVersion);

        w.WriteArrayHeader(spec.Parameters.Length);
        foreach (var p in spec.Parameters)
        {
            w.WriteArrayHeader(2);
            w.Write(p.Name);
            Ints(ref w, p.Shape);
        }

        w.WriteArrayHeader(spec.DataInputs.Length);
        foreach (var d in spec.DataInputs)
        {
            w.WriteArrayHeader(3);
            w.Write(d.Name);
            Ints(ref w, d.ExampleShape);
            w.Write(d.BatchAxis);
        }

        w.WriteArrayHeader(spec.Constants.Length);
        foreach (var c in spec.Constants) TensorFormatter.Instance.Serialize(ref w, c, o);

        w.WriteArrayHeader(spec.Nodes.Length);
        foreach (var n in spec.Nodes)
        {
            w.WriteArrayHeader(5);
            w.Write(n.Op);
            OptionalInts(ref w, n.Attributes.Axes);
            w.Write(n.Attributes.KeepDims);
            OptionalInts(ref w, n.Attributes.Shape);
            w.WriteArrayHeader(n.Inputs.Length);
            foreach (var input in n.Inputs)
            {
                w.WriteArrayHeader(2);
                w.Write((int)input.Kind);
                w.Write(input.Index);
            }
        }

        w.Write(spec.LossNode);
        w.Write((int)spec.Reduction);
    }

    public static GraphSpec Read(ref MessagePackReader r, MessagePackSerializerOptions o)
    {
        var count = r.ReadArrayHeader();
        if (count < 1) throw new SerializationException("A graph spec has no fields; its format version comes first.");
        var version = r.ReadInt32();
        if (version != GraphSpec.CurrentFormatVersion) throw new UnsupportedSpecFormatException(version);
        if (count != Fields)
            throw new SerializationException($"A graph spec of format version {version} has {count} fields on the wire; {Fields} were expected.");
        o.Security.DepthStep(ref r);

        var parameters = ImmutableArray.CreateBuilder<SpecParameter>(r.ReadArrayHeader());
        for (var i = 0; i < parameters.Capacity; i++)
        {
            WireFields.Expect(ref r, 2, $"graph spec's parameter {i}");
            parameters.Add(new SpecParameter(WireFields.ReadRequiredString(ref r, $"name of parameter {i}"), ReadInts(ref r)));
        }

        var data = ImmutableArray.CreateBuilder<SpecDataInput>(r.ReadArrayHeader());
        for (var i = 0; i < data.Capacity; i++)
        {
            WireFields.Expect(ref r, 3, $"graph spec's data input {i}");
            data.Add(new SpecDataInput(WireFields.ReadRequiredString(ref r, $"name of data input {i}"), ReadInts(ref r), r.ReadInt32()));
        }

        var constants = ImmutableArray.CreateBuilder<SpecTensor>(r.ReadArrayHeader());
        for (var i = 0; i < constants.Capacity; i++)
        {
            var tensor = TensorFormatter.Read(ref r, o) ?? throw new SerializationException($"The graph spec's constant {i} is nil; a tensor was expected.");
            constants.Add(SpecTensor.Adopt(tensor));
        }

        var nodes = ImmutableArray.CreateBuilder<SpecNode>(r.ReadArrayHeader());
        for (var i = 0; i < nodes.Capacity; i++)
        {
            WireFields.Expect(ref r, 5, $"graph spec's node {i}");
            var op = WireFields.ReadRequiredString(ref r, $"op name of node {i}");
            var attributes = new SpecAttributes(ReadOptionalInts(ref r), r.ReadBoolean(), ReadOptionalInts(ref r));
            var inputs = ImmutableArray.CreateBuilder<SpecInput>(r.ReadArrayHeader());
            for (var k = 0; k < inputs.Capacity; k++)
            {
                WireFields.Expect(ref r, 2, $"input {k} of the graph spec's node {i}");
                inputs.Add(new SpecInput((SpecInputKind)r.ReadInt32(), r.ReadInt32()));
            }
            nodes.Add(new SpecNode(op, attributes, inputs.MoveToImmutable()));
        }

        var loss = r.ReadInt32();
        var reduction = (LossReduction)r.ReadInt32();
        r.Depth--;
        return new GraphSpec(version, parameters.MoveToImmutable(), data.MoveToImmutable(), constants.MoveToImmutable(),
            nodes.MoveToImmutable(), loss, reduction);
    }

    private static void Ints(ref MessagePackWriter w, ImmutableArray<int> values)
    {
        w.WriteArrayHeader(values.Length);
        foreach (var v in values) w.Write(v);
    }

    private static void OptionalInts(ref MessagePackWriter w, ImmutableArray<int>? values)
    {
        if (values is { } v) Ints(ref w, v);
        else w.WriteNil();
    }

    private static ImmutableArray<int> ReadInts(ref MessagePackReader r)
    {
        // ReadArrayHeader checks the count against the bytes that remain (each int takes at least one).
        var values = new int[r.ReadArrayHeader()];
        for (var i = 0; i < values.Length; i++) values[i] = r.ReadInt32();
        return System.Runtime.InteropServices.ImmutableCollectionsMarshal.AsImmutableArray(values);
    }

    private static ImmutableArray<int>? ReadOptionalInts(ref MessagePackReader r) => r.TryReadNil() ? null : ReadInts(ref r);
}
