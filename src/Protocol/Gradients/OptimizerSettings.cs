namespace ActorGrad.Protocol.Gradients;

/// <summary>Which update rule a parameter owner applies after summing its batch gradient.</summary>
public enum OptimizerKind
{
    /// <summary>torch.optim.SGD: optional weight decay, momentum (dampening 0) and Nesterov.</summary>
    Sgd = 0,
    /// <summary>torch.optim.Adam: bias-corrected first and second moments, eps added after the square root.</summary>
    Adam = 1,
}

/// <summary>
/// An optimizer's hyper-parameters, with PyTorch's names and defaults. SGD uses <see cref="Momentum"/> and
/// <see cref="Nesterov"/>; Adam uses <see cref="Beta1"/>, <see cref="Beta2"/> and <see cref="Epsilon"/>; both use
/// <see cref="WeightDecay"/> (L2 added to the gradient, as PyTorch does).
/// </summary>
public sealed record OptimizerSettings(
    OptimizerKind Kind, float LearningRate, float Momentum = 0f, float WeightDecay = 0f, bool Nesterov = false,
    float Beta1 = 0.9f, float Beta2 = 0.999f, float Epsilon = 1e-8f)
{
    public static OptimizerSettings Sgd(float learningRate, float momentum = 0f, float weightDecay = 0f, bool nesterov = false) =>
        new OptimizerSettings(OptimizerKind.Sgd, learningRate, momentum, weightDecay, nesterov).Checked();

    public static OptimizerSettings Adam(float learningRate, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0f) =>
        new OptimizerSettings(OptimizerKind.Adam, learningRate, WeightDecay: weightDecay, Beta1: beta1, Beta2: beta2, Epsilon: epsilon).Checked();

    /// <summary>How many state tensors (each of the parameter's shape) the rule keeps per parameter.</summary>
    public int StateTensors => Kind switch
    {
        OptimizerKind.Sgd => Momentum != 0f ? 1 : 0, // the momentum buffer
        OptimizerKind.Adam => 2,                      // exp_avg, exp_avg_sq
        _ => throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "Unknown optimizer."),
    };

    /// <summary>These settings, or an ArgumentException saying in one line which value is out of range (PyTorch's checks).</summary>
    public OptimizerSettings Checked()
    {
        if (!Enum.IsDefined(Kind)) throw new ArgumentException($"Unknown optimizer kind {(int)Kind}.");
        if (!(LearningRate >= 0f) || float.IsInfinity(LearningRate)) throw new ArgumentException($"Invalid learning rate: {LearningRate} (must be finite and >= 0).");
        if (!(Momentum >= 0f) || float.IsInfinity(Momentum)) throw new ArgumentException($"Invalid momentum value: {Momentum} (must be finite and >= 0).");
        if (!(WeightDecay >= 0f) || float.IsInfinity(WeightDecay)) throw new ArgumentException($"Invalid weight_decay value: {WeightDecay} (must be finite and >= 0).");
        if (Nesterov && (Kind != OptimizerKind.Sgd || Momentum <= 0f)) throw new ArgumentException("Nesterov momentum requires SGD with a momentum above 0.");
        if (!(Beta1 >= 0f && Beta1 < 1f)) throw new ArgumentException($"Invalid beta parameter at index 0: {Beta1} (must be in [0, 1)).");
        if (!(Beta2 >= 0f && Beta2 < 1f)) throw new ArgumentException($"Invalid beta parameter at index 1: {Beta2} (must be in [0, 1)).");
        if (!(Epsilon >= 0f) || float.IsInfinity(Epsilon)) throw new ArgumentException($"Invalid epsilon value: {Epsilon} (must be finite and >= 0).");
        return this;
    }
}
