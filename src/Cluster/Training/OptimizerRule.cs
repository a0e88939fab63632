using ActorGrad.Engine.Tensors;
using ActorGrad.Protocol.Gradients;

namespace ActorGrad.Cluster.Training;

/// <summary>
/// The update rules of torch.optim.SGD (dampening 0) and torch.optim.Adam (amsgrad off), element by element in plain
/// scalar float arithmetic: no SIMD or fused multiply-add whose choice could differ between members, so a parameter
/// owner on any member and the in-process loop produce the same bits from the same value, gradient and state.
/// </summary>
public static class OptimizerRule
{
    /// <summary>
    /// One step of <paramref name="settings"/> for a parameter: <paramref name="step"/> is the 0-based step (Adam's
    /// bias corrections use t = step + 1), <paramref name="state"/> the state after the previous step (empty before
    /// the first). Returns the new value and the new state; the inputs are left as they are.
    /// </summary>
    public static (Tensor Value, Tensor[] State) Apply(OptimizerSettings settings, long step, Tensor value, Tensor gradient, IReadOnlyList<Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), $"The step must be 0 or more, not {step}.");
        if (!gradient.ShapeEquals(value.Shape))
            throw new ArgumentException($"A gradient of shape [{string.Join(", ", gradient.Shape)}] for a parameter of shape [{string.Join(", ", value.Shape)}].");
        var stateCount = settings.StateTensors;
        if (state.Count != 0 && state.Count != stateCount)
            throw new ArgumentException($"{settings.Kind} keeps {stateCount} state tensor(s) per parameter, not {state.Count}.");
        foreach (var s in state)
            if (!s.ShapeEquals(value.Shape))
                throw new ArgumentException($"Optimizer state of shape [{string.Join(", ", s.Shape)}] for a parameter of shape [{string.Join(", ", value.Shape)}].");

        var next = value.Clone();
        var nextState = new Tensor[stateCount];
        for (var k = 0; k < stateCount; k++) nextState[k] = state.Count == 0 ? Tensor.Zeros(value.Shape) : state[k].Clone();
        var first = state.Count == 0;
        switch (settings.Kind)
        {
            case OptimizerKind.Sgd:
                Sgd(settings, next.Span, gradient.Span, stateCount == 0 ? default : nextState[0].Span, first);
                break;
            case OptimizerKind.Adam:
                Adam(settings, step + 1, next.Span, gradient.Span, nextState[0].Span, nextState[1].Span);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(settings), settings.Kind, "Unknown optimizer.");
        }
        return (next, nextState);
    }

    // torch.optim.SGD: g = grad + wd * p; buf = g on the first step, else momentum * buf + g (dampening 0);
    // g = g + momentum * buf with Nesterov, else buf; p = p - lr * g.
    private static void Sgd(OptimizerSettings o, Span<float> p, ReadOnlySpan<float> grad, Span<float> buffer, bool first)
    {
        for (var i = 0; i < p.Length; i++)
        {
            var g = grad[i];
            if (o.WeightDecay != 0f) g += o.WeightDecay * p[i];
            if (o.Momentum != 0f)
            {
                buffer[i] = first ? g : o.Momentum * buffer[i] + g;
                g = o.Nesterov ? g + o.Momentum * buffer[i] : buffer[i];
            }
            p[i] -= o.LearningRate * g;
        }
    }

    // torch.optim.Adam at step t: g = grad + wd * p; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
    // p = p - (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps): eps is added after the square root of v-hat.
    // The scalar factors are computed in double, as PyTorch computes them in Python floats.
    private static void Adam(OptimizerSettings o, long t, Span<float> p, ReadOnlySpan<float> grad, Span<float> m, Span<float> v)
    {
        var stepSize = (float)(o.LearningRate / (1.0 - Math.Pow(o.Beta1, t)));
        var correction2Sqrt = (float)Math.Sqrt(1.0 - Math.Pow(o.Beta2, t));
        var oneMinusBeta1 = (float)(1.0 - o.Beta1);
        var oneMinusBeta2 = (float)(1.0 - o.Beta2);
        for (var i = 0; i < p.Length; i++)
        {
            var g = grad[i];
            if (o.WeightDecay != 0f) g += o.WeightDecay * p[i];
            m[i] = o.Beta1 * m[i] + oneMinusBeta1 * g;
            v[i] = o.Beta2 * v[i] + oneMinusBeta2 * (g * g);
            var denominator = MathF.Sqrt(v[i]) / correction2Sqrt + o.Epsilon;
            p[i] -= stepSize * (m[i] / denominator);
        }
    }
}
