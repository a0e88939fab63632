using System.Collections.Immutable;
using System.Runtime.Serialization;
using ActorGrad.Protocol.Serialization;
using MessagePack;

namespace ActorGrad.Protocol.Specs;

/// <summary>
/// A <see cref="GraphSpec"/> on the wire (the "spec" row of <see cref="WireManifests"/>), format version 2:
/// <c>[version, parameters, dataInputs, constants, nodes, lossNode, reduction]</c> with
/// parameter <c>[name, [dims]]</c>, data input <c>[name, [exampleDims], batchAxis]</c>, constant a tensor
/// (<see cref="TensorFormatter"/>), node <c>[op, axes|nil, keepDims, shape|nil, [[kind, index], ...],
/// indices|nil, min|nil, max|nil, k|nil, descending]</c>. Version 1 had the first five fields of a node only; it
/// is still read (its nodes get no version 2 attributes) and comes back as a version 2 spec.
/// The version is read first, so a spec of another version is refused by its number before anything else is read.
/// Decoding checks only the layout; what the spec means is checked where it runs (Nodes' SpecValidator).
/// </summary>
internal static class GraphSpecFormatter
{
    private const int Fields = 7;
    private const int NodeFieldsV1 = 5;
    private const int NodeFields = 10;

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

        // A spec that says it is version 1 is written in version 1's layout, so an older member reads it.
        var version1 = spec.FormatVersion == 1;
        w.WriteArrayHeader(spec.Nodes.Length);
        foreach (var n in spec.Nodes)
        {
            if (version1 && n.Attributes.UsesVersion2)
                throw new SerializationException($"The graph spec says it is format version 1, but its node '{n.Op}' has attributes of version 2 ({n.Attributes}).");
            w.WriteArrayHeader(version1 ? NodeFieldsV1 : NodeFields);
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
            if (version1) continue;
            OptionalInts(ref w, n.Attributes.Indices);
            OptionalFloat(ref w, n.Attributes.Min);
            OptionalFloat(ref w, n.Attributes.Max);
            if (n.Attributes.K is { } k) w.Write(k);
            else w.WriteNil();
            w.Write(n.Attributes.Descending);
        }

        w.Write(spec.LossNode);
        w.Write((int)spec.Reduction);
    }

    public static GraphSpec Read(ref MessagePackReader r, MessagePackSerializerOptions o)
    {
        var count = r.ReadArrayHeader();
        if (count < 1) throw new SerializationException("A graph spec has no fields; its format version comes first.");
        var version = r.ReadInt32();
        if (version is < GraphSpec.OldestReadableFormatVersion or > GraphSpec.CurrentFormatVersion) throw new UnsupportedSpecFormatException(version);
        var nodeFields = version == 1 ? NodeFieldsV1 : NodeFields;
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
            WireFields.Expect(ref r, nodeFields, $"graph spec's node {i}");
            var op = WireFields.ReadRequiredString(ref r, $"op name of node {i}");
            var attributes = new SpecAttributes(ReadOptionalInts(ref r), r.ReadBoolean(), ReadOptionalInts(ref r));
            var inputs = ImmutableArray.CreateBuilder<SpecInput>(r.ReadArrayHeader());
            for (var k = 0; k < inputs.Capacity; k++)
            {
                WireFields.Expect(ref r, 2, $"input {k} of the graph spec's node {i}");
                inputs.Add(new SpecInput((SpecInputKind)r.ReadInt32(), r.ReadInt32()));
            }
            if (nodeFields == NodeFields)
                attributes = attributes with
                {
                    Indices = ReadOptionalInts(ref r),
                    Min = ReadOptionalFloat(ref r),
                    Max = ReadOptionalFloat(ref r),
                    K = r.TryReadNil() ? null : r.ReadInt32(),
                    Descending = r.ReadBoolean(),
                };
            nodes.Add(new SpecNode(op, attributes, inputs.MoveToImmutable()));
        }

        var loss = r.ReadInt32();
        var reduction = (LossReduction)r.ReadInt32();
        r.Depth--;
        // A version 1 spec reads as a version 2 spec whose nodes have no version 2 attributes.
        return new GraphSpec(GraphSpec.CurrentFormatVersion, parameters.MoveToImmutable(), data.MoveToImmutable(), constants.MoveToImmutable(),
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

    private static void OptionalFloat(ref MessagePackWriter w, float? value)
    {
        if (value is { } v) w.Write(v);
        else w.WriteNil();
    }

    private static float? ReadOptionalFloat(ref MessagePackReader r) => r.TryReadNil() ? null : r.ReadSingle();
}
