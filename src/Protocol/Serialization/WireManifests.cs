using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Runtime.Serialization;
using ActorGrad.Protocol.Gradients;
using ActorGrad.Protocol.Nodes;
using MessagePack;

namespace ActorGrad.Protocol.Serialization;

/// <summary>
/// The one table of every message that crosses the wire: its manifest (short, stable, one per type) and its fields,
/// written as a MessagePack array in constructor order. A message whose fields change gets a new manifest.
/// Tests fail when a record deriving from <see cref="NodeMessage"/> is missing here. A new message gets a row:
/// <c>Row</c> with its fields written by hand (as below), or <c>Packed&lt;T&gt;("manifest")</c> for a record annotated
/// for MessagePack; a type whose base is not <see cref="NodeMessage"/> is then bound by <see cref="WireSerialization"/> too.
/// </summary>
public static class WireManifests
{
    public static readonly IReadOnlyList<WireEntry> Entries =
    [
        // ---- forward ----
        Row("sub", (ref MessagePackWriter w, Subscribe m, MessagePackSerializerOptions _) => { w.WriteArrayHeader(2); w.Write(m.Slot); w.Write(m.SendValue); },
            (ref MessagePackReader r, MessagePackSerializerOptions _) => { Fields(ref r, 2, "sub"); return new Subscribe(r.ReadInt32(), r.ReadBoolean()); }),
        Empty("unsub", () => new Unsubscribe()),
        Row("fwd", (ref MessagePackWriter w, Forward m, MessagePackSerializerOptions o) => { w.WriteArrayHeader(2); w.Write(m.Slot); Tensor(ref w, m.Value, o); },
            (ref MessagePackReader r, MessagePackSerializerOptions o) => { Fields(ref r, 2, "fwd"); return new Forward(r.ReadInt32(), RequiredTensor(ref r, o, "fwd")); }),
        Row("fwdx", (ref MessagePackWriter w, ForwardFailed m, MessagePackSerializerOptions o) => { w.WriteArrayHeader(2); w.Write(m.Slot); ExceptionFormatter.Instance.Serialize(ref w, m.Cause, o); },
            (ref MessagePackReader r, MessagePackSerializerOptions o) => { Fields(ref r, 2, "fwdx"); return new ForwardFailed(r.ReadInt32(), ExceptionFormatter.Read(ref r, o)); }),
        Empty("vreq", () => new ValueRequest()),
        Row("vrep", (ref MessagePackWriter w, ValueReply m, MessagePackSerializerOptions o) => { w.WriteArrayHeader(1); Tensor(ref w, m.Value, o); },
            (ref MessagePackReader r, MessagePackSerializerOptions o) => { Fields(ref r, 1, "vrep"); return new ValueReply(RequiredTensor(ref r, o, "vrep")); }),

        // ---- backward ----
        Row("pass", (ref MessagePackWriter w, PreparePass m, MessagePackSerializerOptions _) => { w.WriteArrayHeader(3); w.Write(m.PassId); w.Write(m.ExpectedGradients); w.Write(m.RetainGraph); },
            (ref MessagePackReader r, MessagePackSerializerOptions _) => { Fields(ref r, 3, "pass"); return new PreparePass(r.ReadInt64(), r.ReadInt32(), r.ReadBoolean()); }),
        Row("grad", (ref MessagePackWriter w, Gradient m, MessagePackSerializerOptions o) => { w.WriteArrayHeader(2); w.Write(m.PassId); Tensor(ref w, m.Value, o); },
            (ref MessagePackReader r, MessagePackSerializerOptions o) => { Fields(ref r, 2, "grad"); return new Gradient(r.ReadInt64(), RequiredTensor(ref r, o, "grad")); }),
        Row("leaf", (ref MessagePackWriter w, LeafReported m, MessagePackSerializerOptions _) => { w.WriteArrayHeader(1); w.Write(m.PassId); },
            (ref MessagePackReader r, MessagePackSerializerOptions _) => { Fields(ref r, 1, "leaf"); return new LeafReported(r.ReadInt64()); }),
        Row("passx", (ref MessagePackWriter w, PassFailed m, MessagePackSerializerOptions o) => { w.WriteArrayHeader(2); w.Write(m.PassId); ExceptionFormatter.Instance.Serialize(ref w, m.Cause, o); },
            (ref MessagePackReader r, MessagePackSerializerOptions o) => { Fields(ref r, 2, "passx"); return new PassFailed(r.ReadInt64(), ExceptionFormatter.Read(ref r, o)); }),
        Row("abort", (ref MessagePackWriter w, AbortPass m, MessagePackSerializerOptions _) => { w.WriteArrayHeader(1); w.Write(m.PassId); },
            (ref MessagePackReader r, MessagePackSerializerOptions _) => { Fields(ref r, 1, "abort"); return new AbortPass(r.ReadInt64()); }),

        // ---- gradients and parameters ----
        Empty("greq", () => new GradRequest()),
        Row("grep", (ref MessagePackWriter w, GradReply m, MessagePackSerializerOptions o) => { w.WriteArrayHeader(1); Tensor(ref w, m.Grad, o); },
            (ref MessagePackReader r, MessagePackSerializerOptions o) => { Fields(ref r, 1, "grep"); return new GradReply(TensorFormatter.Read(ref r, o)); }),
        Empty("zero", () => new ZeroGrad()),
        Empty("retain", () => new RetainGrad()),
        Row("sgd", (ref MessagePackWriter w, SgdStep m, MessagePackSerializerOptions _) => { w.WriteArrayHeader(1); w.Write(m.LearningRate); },
            (ref MessagePackReader r, MessagePackSerializerOptions _) => { Fields(ref r, 1, "sgd"); return new SgdStep(r.ReadSingle()); }),
        Empty("free", () => new HandleReleased()),

        // ---- models as data ----
        Row<Specs.GraphSpec>("spec", Specs.GraphSpecFormatter.Write, Specs.GraphSpecFormatter.Read),

        // ---- distributed gradients (Gradients/GradientMessages.cs) ----
        Row("gready", (ref MessagePackWriter w, OwnerReady m, MessagePackSerializerOptions _) => { w.WriteArrayHeader(3); w.Write(m.JobId); w.Write(m.Step); w.Write(m.Parameter); },
            (ref MessagePackReader r, MessagePackSerializerOptions _) => { Fields(ref r, 3, "gready"); return new OwnerReady(Text(ref r, "gready"), r.ReadInt64(), r.ReadInt32()); }),
        Row("gprep", (ref MessagePackWriter w, PrepareJob m, MessagePackSerializerOptions o) =>
            {
                w.WriteArrayHeader(5); w.Write(m.JobId); w.Write(m.Step); Specs.GraphSpecFormatter.Write(ref w, m.Spec, o); Tensors(ref w, m.Parameters, o); w.Write(m.FullBatchSize);
            },
            (ref MessagePackReader r, MessagePackSerializerOptions o) =>
            {
                Fields(ref r, 5, "gprep");
                return new PrepareJob(Text(ref r, "gprep"), r.ReadInt64(), Specs.GraphSpecFormatter.Read(ref r, o), Tensors(ref r, o, "gprep"), r.ReadInt32());
            }),
        Row("grun", (ref MessagePackWriter w, RunShard m, MessagePackSerializerOptions o) =>
            {
                w.WriteArrayHeader(10); w.Write(m.JobId); w.Write(m.Step); w.Write(m.Round); w.Write(m.Shard); w.Write(m.Attempt); w.Write(m.RunFirst); w.Write(m.RunLast);
                Tensors(ref w, m.Data, o); w.Write(m.Next); Texts(ref w, m.Owners);
            },
            (ref MessagePackReader r, MessagePackSerializerOptions o) =>
            {
                Fields(ref r, 10, "grun");
                return new RunShard(Text(ref r, "grun"), r.ReadInt64(), r.ReadInt32(), r.ReadInt32(), r.ReadInt32(), r.ReadInt32(), r.ReadInt32(),
                    Tensors(ref r, o, "grun"), Text(ref r, "grun"), Texts(ref r, "grun"));
            }),
        Row("gchain", (ref MessagePackWriter w, ChainSum m, MessagePackSerializerOptions o) => { w.WriteArrayHeader(5); w.Write(m.JobId); w.Write(m.Step); w.Write(m.Round); w.Write(m.UpTo); Tensors(ref w, m.Values, o); },
            (ref MessagePackReader r, MessagePackSerializerOptions o) => { Fields(ref r, 5, "gchain"); return new ChainSum(Text(ref r, "gchain"), r.ReadInt64(), r.ReadInt32(), r.ReadInt32(), Tensors(ref r, o, "gchain")); }),
        Row("gbatch", (ref MessagePackWriter w, BatchGradient m, MessagePackSerializerOptions o) => { w.WriteArrayHeader(4); w.Write(m.JobId); w.Write(m.Step); w.Write(m.Parameter); Tensor(ref w, m.Value, o); },
            (ref MessagePackReader r, MessagePackSerializerOptions o) => { Fields(ref r, 4, "gbatch"); return new BatchGradient(Text(ref r, "gbatch"), r.ReadInt64(), r.ReadInt32(), RequiredTensor(ref r, o, "gbatch")); }),
        Row("gdone", (ref MessagePackWriter w, ShardDone m, MessagePackSerializerOptions _) => { w.WriteArrayHeader(5); w.Write(m.JobId); w.Write(m.Step); w.Write(m.Shard); w.Write(m.Attempt); w.Write(m.Loss); },
            (ref MessagePackReader r, MessagePackSerializerOptions _) => { Fields(ref r, 5, "gdone"); return new ShardDone(Text(ref r, "gdone"), r.ReadInt64(), r.ReadInt32(), r.ReadInt32(), r.ReadSingle()); }),
        Row("gparam", (ref MessagePackWriter w, ParameterGradient m, MessagePackSerializerOptions o) => { w.WriteArrayHeader(4); w.Write(m.JobId); w.Write(m.Step); w.Write(m.Parameter); Tensor(ref w, m.Value, o); },
            (ref MessagePackReader r, MessagePackSerializerOptions o) => { Fields(ref r, 4, "gparam"); return new ParameterGradient(Text(ref r, "gparam"), r.ReadInt64(), r.ReadInt32(), RequiredTensor(ref r, o, "gparam")); }),
        Row("gfail", (ref MessagePackWriter w, GradientWorkFailed m, MessagePackSerializerOptions o) => { w.WriteArrayHeader(4); w.Write(m.JobId); w.Write(m.Member); w.Write(m.What); ExceptionFormatter.Instance.Serialize(ref w, m.Cause, o); },
            (ref MessagePackReader r, MessagePackSerializerOptions o) => { Fields(ref r, 4, "gfail"); return new GradientWorkFailed(Text(ref r, "gfail"), Text(ref r, "gfail"), Text(ref r, "gfail"), ExceptionFormatter.Read(ref r, o)); }),
        Row("gsown", (ref MessagePackWriter w, CreateStepOwner m, MessagePackSerializerOptions o) =>
            {
                w.WriteArrayHeader(5); w.Write(m.JobId); w.Write(m.Step); w.Write(m.Parameter); Optimizer(ref w, m.Optimizer); Tensors(ref w, m.State, o);
            },
            (ref MessagePackReader r, MessagePackSerializerOptions o) =>
            {
                Fields(ref r, 5, "gsown");
                return new CreateStepOwner(Text(ref r, "gsown"), r.ReadInt64(), r.ReadInt32(), Optimizer(ref r), Tensors(ref r, o, "gsown"));
            }),
        Row("gstep", (ref MessagePackWriter w, ParameterStepped m, MessagePackSerializerOptions o) =>
            {
                w.WriteArrayHeader(6); w.Write(m.JobId); w.Write(m.Step); w.Write(m.Parameter); Tensor(ref w, m.Gradient, o); Tensor(ref w, m.Value, o); Tensors(ref w, m.State, o);
            },
            (ref MessagePackReader r, MessagePackSerializerOptions o) =>
            {
                Fields(ref r, 6, "gstep");
                return new ParameterStepped(Text(ref r, "gstep"), r.ReadInt64(), r.ReadInt32(), RequiredTensor(ref r, o, "gstep"), RequiredTensor(ref r, o, "gstep"), Tensors(ref r, o, "gstep"));
            }),
        Row("gend", (ref MessagePackWriter w, EndJob m, MessagePackSerializerOptions _) => { w.WriteArrayHeader(1); w.Write(m.JobId); },
            (ref MessagePackReader r, MessagePackSerializerOptions _) => { Fields(ref r, 1, "gend"); return new EndJob(Text(ref r, "gend")); }),
    ];

    private static readonly FrozenDictionary<string, WireEntry> ByManifest = Entries.ToFrozenDictionary(e => e.Manifest, StringComparer.Ordinal);
    private static readonly FrozenDictionary<Type, WireEntry> ByType = Entries.ToFrozenDictionary(e => e.Type);

    /// <summary>The row for <paramref name="type"/>; a type without one is refused, naming it.</summary>
    public static WireEntry For(Type type) =>
        ByType.TryGetValue(type, out var entry) ? entry
            : throw new SerializationException($"{type.FullName} has no ActorGrad wire manifest: add it to {nameof(WireManifests)} to send it between processes.");

    /// <summary>The row for <paramref name="manifest"/>; an unknown manifest is refused, naming it.</summary>
    public static WireEntry For(string manifest) =>
        ByManifest.TryGetValue(manifest, out var entry) ? entry
            : throw new SerializationException($"Unknown ActorGrad wire manifest '{Printable(manifest)}': the sender runs a version with messages this one does not know.");

    /// <summary>
    /// A row for a record annotated for MessagePack (<c>[MessagePackObject]</c>, <c>[property: Key(n)]</c> on its
    /// parameters): MessagePack's own formatter writes its fields, ours its tensor and exception members.
    /// </summary>
    internal static WireEntry Packed<T>(string manifest) where T : class =>
        new WireEntry<T>(manifest,
            (ref MessagePackWriter w, T m, MessagePackSerializerOptions o) => o.Resolver.GetFormatterWithVerify<T>().Serialize(ref w, m, o),
            (ref MessagePackReader r, MessagePackSerializerOptions o) => o.Resolver.GetFormatterWithVerify<T>().Deserialize(ref r, o)
                ?? throw new SerializationException($"A '{manifest}' message is nil."));

    private static WireEntry Row<T>(string manifest, FieldWriter<T> write, FieldReader<T> read) where T : class => new WireEntry<T>(manifest, write, read);

    private static WireEntry Empty<T>(string manifest, Func<T> create) where T : class =>
        new WireEntry<T>(manifest, (ref MessagePackWriter w, T _, MessagePackSerializerOptions _) => w.WriteArrayHeader(0),
            (ref MessagePackReader r, MessagePackSerializerOptions _) => { Fields(ref r, 0, manifest); return create(); });

    private static void Fields(ref MessagePackReader reader, int count, string manifest) => WireFields.Expect(ref reader, count, $"'{manifest}' message");

    private static void Tensor(ref MessagePackWriter writer, Tensors.ITensorPayload? tensor, MessagePackSerializerOptions options) =>
        TensorFormatter.Instance.Serialize(ref writer, tensor, options);

    private static Tensors.WireTensor RequiredTensor(ref MessagePackReader reader, MessagePackSerializerOptions options, string manifest) =>
        TensorFormatter.Read(ref reader, options) ?? throw new SerializationException($"A '{manifest}' message carries no tensor; one is required.");

    private static string Text(ref MessagePackReader reader, string manifest) =>
        WireFields.ReadRequiredString(ref reader, $"'{manifest}' message's string field");

    private static void Texts(ref MessagePackWriter writer, ImmutableArray<string> texts)
    {
        writer.WriteArrayHeader(texts.Length);
        foreach (var t in texts) writer.Write(t);
    }

    private static ImmutableArray<string> Texts(ref MessagePackReader reader, string manifest)
    {
        var count = reader.ReadArrayHeader(); // MessagePack checks the declared count against the bytes that remain
        var texts = ImmutableArray.CreateBuilder<string>(count);
        for (var i = 0; i < count; i++) texts.Add(Text(ref reader, manifest));
        return texts.MoveToImmutable();
    }

    private static void Optimizer(ref MessagePackWriter writer, OptimizerSettings settings)
    {
        writer.WriteArrayHeader(8);
        writer.Write((int)settings.Kind); writer.Write(settings.LearningRate); writer.Write(settings.Momentum); writer.Write(settings.WeightDecay);
        writer.Write(settings.Nesterov); writer.Write(settings.Beta1); writer.Write(settings.Beta2); writer.Write(settings.Epsilon);
    }

    /// <summary>Optimizer settings as the sender wrote them, checked here too: a value out of range is a SerializationException.</summary>
    private static OptimizerSettings Optimizer(ref MessagePackReader reader)
    {
        WireFields.Expect(ref reader, 8, "optimizer settings");
        var settings = new OptimizerSettings((OptimizerKind)reader.ReadInt32(), reader.ReadSingle(), reader.ReadSingle(), reader.ReadSingle(),
            reader.ReadBoolean(), reader.ReadSingle(), reader.ReadSingle(), reader.ReadSingle());
        try { return settings.Checked(); }
        catch (ArgumentException e) { throw new SerializationException($"Optimizer settings on the wire are invalid: {e.Message}", e); }
    }

    private static void Tensors(ref MessagePackWriter writer, ImmutableArray<Tensors.ITensorPayload> tensors, MessagePackSerializerOptions options)
    {
        writer.WriteArrayHeader(tensors.Length);
        foreach (var t in tensors) Tensor(ref writer, t, options);
    }

    private static ImmutableArray<Tensors.ITensorPayload> Tensors(ref MessagePackReader reader, MessagePackSerializerOptions options, string manifest)
    {
        var count = reader.ReadArrayHeader();
        var tensors = ImmutableArray.CreateBuilder<Tensors.ITensorPayload>(count);
        for (var i = 0; i < count; i++) tensors.Add(RequiredTensor(ref reader, options, manifest));
        return tensors.MoveToImmutable();
    }

    /// <summary>A manifest from the wire as it may be logged: short, printable.</summary>
    internal static string Printable(string manifest)
    {
        var text = manifest.Length > 64 ? manifest[..64] + "..." : manifest;
        return string.Concat(text.Select(c => char.IsControl(c) ? '?' : c));
    }
}
