using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes.Tracing;
using ActorGrad.Protocol.Specs;

namespace ActorGrad.Nodes.Models;

/// <summary>
/// The demo's model: a 2-hidden-3 MLP with a ReLU, classifying points of three spirals by softmax cross-entropy.
/// Parameters w1 [2, hidden], b1 [hidden], w2 [hidden, 3], b2 [3]; data x [B, 2] and one-hot labels y [B, 3].
/// </summary>
public static class SpiralsMlp
{
    public const int Classes = 3;
    public const int Features = 2;

    /// <summary>Initial parameters as the demo draws them (normal, scaled 0.5 and 0.1; zero biases).</summary>
    public static (string Name, Tensor Value)[] InitialParameters(int seed, int hidden = 64)
    {
        var random = new Random(seed);
        return
        [
            ("w1", TensorOps.Mul(Tensor.RandomNormal(random, 0f, 1f, Features, hidden), Tensor.Scalar(0.5f))),
            ("b1", Tensor.Zeros(hidden)),
            ("w2", TensorOps.Mul(Tensor.RandomNormal(random, 0f, 1f, hidden, Classes), Tensor.Scalar(0.1f))),
            ("b2", Tensor.Zeros(Classes)),
        ];
    }

    /// <summary>The batch of a dataset: x [n, 2] and one-hot y [n, 3].</summary>
    public static Dictionary<string, Tensor> Batch(Tensor inputs, int[] labels) =>
        new(StringComparer.Ordinal) { ["x"] = inputs, ["y"] = Spirals.OneHot(labels, Classes) };

    public static Var Logits(ModelInputs m) => (m["x"].MatMul(m["w1"]) + m["b1"]).Relu().MatMul(m["w2"]) + m["b2"];

    /// <summary>The per-example loss [B].</summary>
    public static Var PerExampleLoss(ModelInputs m) => Losses.SoftmaxCrossEntropy(Logits(m), m["y"]);

    /// <summary>The model traced into a spec (mean cross-entropy over the batch).</summary>
    public static GraphSpec Spec(int hidden = 64)
    {
        var (inputs, labels) = Spirals.Generate(pointsPerClass: 2, Classes, seed: 0);
        var batch = Batch(inputs, labels);
        return GraphTracer.Trace(PerExampleLoss, InitialParameters(0, hidden),
            [new DataSample("x", batch["x"]), new DataSample("y", batch["y"])], LossReduction.Mean);
    }
}
