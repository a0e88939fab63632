namespace ActorGrad.Nodes.Models;

/// <summary>
/// Per-example losses, shape [B]: what a traced loss function returns (GraphSpec's batch rule), built from
/// primitives like every composite. Their mean over a batch is <c>Sum() / B</c>.
/// </summary>
public static class Losses
{
    /// <summary>Softmax cross-entropy of logits [B, C] against one-hot (or soft) targets [B, C], per example.</summary>
    public static Var SoftmaxCrossEntropy(Var logits, Var targets) => -(targets * logits.LogSoftmax(-1)).Sum(1);

    /// <summary>The squared error of each example, summed over its other axes (the batch on axis 0).</summary>
    public static Var SquaredError(Var prediction, Var target)
    {
        var d = prediction - target;
        var squared = d * d;
        return squared.Rank <= 1 ? squared : squared.Sum(Enumerable.Range(1, squared.Rank - 1).ToArray());
    }
}
