using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes;
using ActorGrad.Nodes.Models;
using ActorGrad.Nodes.Tracing;
using ActorGrad.Protocol.Serialization;
using ActorGrad.Protocol.Specs;

namespace ActorGrad.Cli.Training;

/// <summary>
/// The model of `actorgrad train` as a traced spec and its initial parameters (seeded): `mlp` is the demo's
/// F-hidden-C MLP (ReLU, softmax cross-entropy; w1 ~ N(0, 0.5^2), w2 ~ N(0, 0.1^2), zero biases), `logreg` multinomial
/// logistic regression (zeros), FILE.spec a spec written with our wire (WireCodec.Encode(spec)) whose data inputs are
/// x [B, F] and y [B, C] (weights of rank 2 or more ~ N(0, 1/fan-in), the rest zero).
/// </summary>
internal sealed record TrainingModel(GraphSpec Spec, IReadOnlyDictionary<string, Tensor> Parameters, string Description)
{
    public static TrainingModel Create(string model, TrainingData data, int hidden, int seed)
    {
        var sample = new[] { new DataSample("x", TensorOps.Slice(data.X, 0, 0, 2)), new DataSample("y", TensorOps.Slice(TensorOps.OneHot(data.Labels, data.Classes), 0, 0, 2)) };
        switch (model)
        {
            case "mlp":
            {
                if (hidden < 1) throw new ArgumentException($"--hidden must be at least 1, not {hidden}.");
                var random = new Random(seed);
                (string, Tensor)[] parameters =
                [
                    ("w1", TensorOps.Mul(Tensor.RandomNormal(random, 0f, 1f, data.Features, hidden), Tensor.Scalar(0.5f))),
                    ("b1", Tensor.Zeros(hidden)),
                    ("w2", TensorOps.Mul(Tensor.RandomNormal(random, 0f, 1f, hidden, data.Classes), Tensor.Scalar(0.1f))),
                    ("b2", Tensor.Zeros(data.Classes)),
                ];
                var spec = GraphTracer.Trace(SpiralsMlp.PerExampleLoss, parameters, sample, LossReduction.Mean);
                return new TrainingModel(spec, ToMap(parameters), $"{data.Features}-{hidden}-{data.Classes} MLP");
            }
            case "logreg":
            {
                (string, Tensor)[] parameters = [("w", Tensor.Zeros(data.Features, data.Classes)), ("b", Tensor.Zeros(data.Classes))];
                var spec = GraphTracer.Trace(m => Losses.SoftmaxCrossEntropy(m["x"].MatMul(m["w"]) + m["b"], m["y"]), parameters, sample, LossReduction.Mean);
                return new TrainingModel(spec, ToMap(parameters), $"{data.Features}-{data.Classes} logistic regression");
            }
            default:
                if (!model.EndsWith(".spec", StringComparison.OrdinalIgnoreCase))
                    throw new ArgumentException($"--model must be mlp, logreg or a .spec file, not '{model}'.");
                return FromFile(model, data, seed);
        }
    }

    /// <summary>A spec file written with our wire (WireCodec.Encode(spec)); an ArgumentException says why a file is not one.</summary>
    public static GraphSpec ReadSpec(string path)
    {
        if (!File.Exists(path)) throw new ArgumentException($"--model: the file '{path}' does not exist.");
        try { return (GraphSpec)WireCodec.Decode(File.ReadAllBytes(path), WireManifests.For(typeof(GraphSpec)).Manifest); }
        catch (Exception e) when (e is System.Runtime.Serialization.SerializationException or InvalidCastException or MessagePack.MessagePackSerializationException)
        {
            throw new ArgumentException($"--model: '{path}' is not a graph spec: {e.Message}");
        }
    }

    private static TrainingModel FromFile(string path, TrainingData data, int seed)
    {
        var spec = ReadSpec(path);
        var names = spec.DataInputs.Select(d => d.Name).Order(StringComparer.Ordinal).ToArray();
        if (!names.SequenceEqual(["x", "y"]))
            throw new ArgumentException($"--model: the spec's data inputs are ({string.Join(", ", names)}); `actorgrad train` feeds x [B, {data.Features}] and y [B, {data.Classes}].");
        var random = new Random(seed);
        var parameters = spec.Parameters.Select(p => (p.Name, p.Shape.Length >= 2
            ? TensorOps.Mul(Tensor.RandomNormal(random, 0f, 1f, [.. p.Shape]), Tensor.Scalar(1f / MathF.Sqrt(p.Shape[0])))
            : Tensor.Zeros([.. p.Shape]))).ToArray();
        return new TrainingModel(spec, ToMap(parameters), $"{Path.GetFileName(path)} ({spec.Parameters.Length} parameters, {spec.Nodes.Length} ops)");
    }

    private static Dictionary<string, Tensor> ToMap((string Name, Tensor Value)[] parameters) =>
        parameters.ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal);
}
