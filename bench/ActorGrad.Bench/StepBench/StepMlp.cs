using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes;
using ActorGrad.Nodes.Models;
using ActorGrad.Nodes.Tracing;
using ActorGrad.Protocol.Specs;

namespace ActorGrad.Bench.StepBench;

/// <summary>
/// The step benchmark's model: the 784-512-512-10 MLP (ReLU, softmax cross-entropy, mean over the batch) with random
/// weights, and a synthetic MNIST-shaped batch (x [n, 784] uniform in [0, 1), one-hot y [n, 10]), all seeded.
/// </summary>
internal static class StepMlp
{
    public const int Inputs = 784, Hidden = 512, Classes = 10;

    public static (string Name, Tensor Value)[] Parameters(int seed)
    {
        var random = new Random(seed);
        Tensor Weights(int fanIn, int fanOut) => Tensor.RandomNormal(random, 0f, MathF.Sqrt(2f / fanIn), fanIn, fanOut);
        return
        [
            ("w1", Weights(Inputs, Hidden)), ("b1", Tensor.Zeros(Hidden)),
            ("w2", Weights(Hidden, Hidden)), ("b2", Tensor.Zeros(Hidden)),
            ("w3", Weights(Hidden, Classes)), ("b3", Tensor.Zeros(Classes)),
        ];
    }

    public static Dictionary<string, Tensor> Batch(int examples, int seed)
    {
        var random = new Random(seed);
        var x = new float[examples * Inputs];
        for (var i = 0; i < x.Length; i++) x[i] = random.NextSingle();
        var labels = new int[examples];
        for (var i = 0; i < examples; i++) labels[i] = random.Next(Classes);
        return new(StringComparer.Ordinal) { ["x"] = Tensor.FromArray(x, examples, Inputs), ["y"] = TensorOps.OneHot(labels, Classes) };
    }

    private static Var Logits(ModelInputs m) =>
        ((m["x"].MatMul(m["w1"]) + m["b1"]).Relu().MatMul(m["w2"]) + m["b2"]).Relu().MatMul(m["w3"]) + m["b3"];

    public static GraphSpec Spec()
    {
        var sample = Batch(2, 0);
        return GraphTracer.Trace(m => Losses.SoftmaxCrossEntropy(Logits(m), m["y"]), Parameters(0),
            [new DataSample("x", sample["x"]), new DataSample("y", sample["y"])], LossReduction.Mean);
    }
}
