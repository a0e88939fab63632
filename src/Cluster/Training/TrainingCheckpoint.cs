using System.Buffers;
using System.Collections.Immutable;
using ActorGrad.Engine.Tensors;
using ActorGrad.Protocol.Gradients;
using ActorGrad.Protocol.Serialization;
using MessagePack;

namespace ActorGrad.Cluster.Training;

/// <summary>
/// A training run's state in a file: a MessagePack array ["actorgrad-checkpoint", format version, step, shuffle seed
/// (nil: unshuffled), optimizer (kind, lr, momentum, weight decay, nesterov, beta1, beta2, eps), parameter names,
/// parameter tensors, optimizer state per parameter], tensors as our wire writes them (raw little-endian float32), so
/// resuming is bitwise. Version 1 (before the shuffle seed) is still read, as an unshuffled run.
/// </summary>
public static class TrainingCheckpoint
{
    public const string Magic = "actorgrad-checkpoint";
    public const int FormatVersion = 2;

    /// <summary>Writes <paramref name="state"/> to <paramref name="path"/> (through a temporary file, so a crash mid-write leaves the old checkpoint).</summary>
    public static void Write(string path, TrainingState state)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var w = new MessagePackWriter(buffer);
        var o = WireCodec.Options;
        w.WriteArrayHeader(8);
        w.Write(Magic);
        w.Write(FormatVersion);
        w.Write(state.Step);
        if (state.ShuffleSeed is { } seed) w.Write(seed);
        else w.WriteNil();
        var opt = state.Optimizer;
        w.WriteArrayHeader(8);
        w.Write((int)opt.Kind); w.Write(opt.LearningRate); w.Write(opt.Momentum); w.Write(opt.WeightDecay);
        w.Write(opt.Nesterov); w.Write(opt.Beta1); w.Write(opt.Beta2); w.Write(opt.Epsilon);
        w.WriteArrayHeader(state.Names.Length);
        foreach (var n in state.Names) w.Write(n);
        w.WriteArrayHeader(state.Parameters.Length);
        foreach (var p in state.Parameters) TensorFormatter.Instance.Serialize(ref w, p, o);
        w.WriteArrayHeader(state.OptimizerState.Length);
        foreach (var s in state.OptimizerState)
        {
            w.WriteArrayHeader(s.Length);
            foreach (var t in s) TensorFormatter.Instance.Serialize(ref w, t, o);
        }
        w.Flush();
        var temporary = path + ".tmp";
        File.WriteAllBytes(temporary, buffer.WrittenSpan.ToArray());
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Reads a checkpoint; a file that is not one, or of another format version, is an InvalidDataException saying so.</summary>
    public static TrainingState Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        try
        {
            var r = new MessagePackReader(bytes);
            var o = WireCodec.Options;
            var fields = r.ReadArrayHeader();
            if (fields is not (7 or 8) || r.ReadString() != Magic) throw new InvalidDataException($"{path} is not an actorgrad checkpoint.");
            var version = r.ReadInt32();
            if (version is not (1 or FormatVersion) || fields != (version == 1 ? 7 : 8))
                throw new InvalidDataException($"{path} is a checkpoint of format version {version}; this actorgrad reads versions 1 and {FormatVersion}.");
            var step = r.ReadInt64();
            int? shuffleSeed = version == 1 || r.TryReadNil() ? null : r.ReadInt32();
            if (r.ReadArrayHeader() != 8) throw new InvalidDataException($"{path}: the optimizer settings are damaged.");
            var optimizer = new OptimizerSettings((OptimizerKind)r.ReadInt32(), r.ReadSingle(), r.ReadSingle(), r.ReadSingle(),
                r.ReadBoolean(), r.ReadSingle(), r.ReadSingle(), r.ReadSingle()).Checked();
            var names = ImmutableArray.CreateBuilder<string>();
            for (int i = 0, n = r.ReadArrayHeader(); i < n; i++) names.Add(r.ReadString() ?? throw new InvalidDataException($"{path}: a parameter name is nil."));
            var parameters = ImmutableArray.CreateBuilder<Tensor>();
            for (int i = 0, n = r.ReadArrayHeader(); i < n; i++) parameters.Add(ReadTensor(ref r, o, path));
            var state = ImmutableArray.CreateBuilder<ImmutableArray<Tensor>>();
            for (int i = 0, n = r.ReadArrayHeader(); i < n; i++)
            {
                var one = ImmutableArray.CreateBuilder<Tensor>();
                for (int k = 0, m = r.ReadArrayHeader(); k < m; k++) one.Add(ReadTensor(ref r, o, path));
                state.Add(one.ToImmutable());
            }
            if (!r.End) throw new InvalidDataException($"{path} has bytes after the checkpoint.");
            if (names.Count != parameters.Count || (state.Count != 0 && state.Count != parameters.Count))
                throw new InvalidDataException($"{path}: {names.Count} names, {parameters.Count} parameters and {state.Count} optimizer states do not match.");
            return new TrainingState(step, optimizer, names.ToImmutable(), parameters.ToImmutable(), state.ToImmutable()) { ShuffleSeed = shuffleSeed };
        }
        catch (Exception e) when (e is MessagePackSerializationException or EndOfStreamException or ArgumentException or System.Runtime.Serialization.SerializationException)
        {
            throw new InvalidDataException($"{path} is not a readable actorgrad checkpoint: {e.Message}", e);
        }
    }

    private static Tensor ReadTensor(ref MessagePackReader r, MessagePackSerializerOptions o, string path) =>
        Tensor.From(TensorFormatter.Read(ref r, o) ?? throw new InvalidDataException($"{path}: a tensor is nil."));
}
