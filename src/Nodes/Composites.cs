using ActorGrad.Engine.Tensors;

namespace ActorGrad.Nodes;

/// <summary>
/// Composite ops, built from primitives only: they carry no gradient code, their gradients come
/// from the primitives' VJP rules.
/// </summary>
public sealed partial class Var
{
    public Var Mean() => Sum() / Length;

    public Var Mean(int[] axes, bool keepDims = false)
    {
        var normalized = Shapes.NormalizeAxes(axes, Rank, "mean");
        var count = normalized.Aggregate(1, (n, axis) => n * Shape[axis]);
        return Sum(normalized, keepDims) / count;
    }

    public Var Square() => this * this;

    /// <summary>exp(x - max) / sum(exp(x - max)) along <paramref name="axis"/>.</summary>
    public Var Softmax(int axis = -1)
    {
        var e = (this - Max(axis, keepDims: true)).Exp();
        return e / e.Sum(axis, keepDims: true);
    }

    /// <summary>x - logsumexp(x) along <paramref name="axis"/>: stable for large logits.</summary>
    public Var LogSoftmax(int axis = -1) => this - LogSumExp(axis, keepDims: true);

    /// <summary>Mean softmax cross-entropy of logits [N, C] against class labels (PyTorch's cross_entropy).</summary>
    public static Var CrossEntropy(Var logits, int[] labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (logits.Rank != 2 || logits.Shape[0] != labels.Length)
            throw new ArgumentException($"cross_entropy: expects logits [N, C] and N labels, got {Shapes.Format(logits.Shape)} and {labels.Length} labels.");
        var classes = logits.Shape[1];
        var index = Engine.Tensors.Tensor.Zeros(labels.Length, 1);
        for (var i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classes) throw new ArgumentException($"cross_entropy: label {labels[i]} at {i} is outside 0..{classes - 1}.");
            index.Span[i] = labels[i];
        }
        // Each row's log-probability of its label, gathered (not a one-hot product over every class).
        return -logits.LogSoftmax(-1).Gather(1, Constant(logits.Session, index)).Sum() / labels.Length;
    }

    /// <summary>Mean squared error.</summary>
    public static Var Mse(Var prediction, Var target)
    {
        var d = prediction - target;
        return (d * d).Mean();
    }

    /// <summary>
    /// Zeroes each element with probability <paramref name="p"/> and scales the rest by 1/(1-p), in
    /// training mode only (MXNet's is_training; PyTorch's module.train()); the identity otherwise.
    /// </summary>
    public static Var Dropout(Var x, float p)
    {
        if (p is < 0f or > 1f || float.IsNaN(p)) throw new ArgumentOutOfRangeException(nameof(p), $"dropout: p must be in [0, 1], got {p}.");
        if (!x.Session.IsTraining || p == 0f) return x;
        var mask = Engine.Tensors.Tensor.Zeros(x.Shape);
        var scale = p == 1f ? 0f : 1f / (1f - p);
        var span = mask.Span;
        for (var i = 0; i < span.Length; i++) span[i] = x.Session.Random.NextSingle() >= p ? scale : 0f;
        return x * Constant(x.Session, mask);
    }
}
