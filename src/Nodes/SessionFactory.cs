using ActorGrad.Engine.Tensors;

namespace ActorGrad.Nodes;

/// <summary>Creating Vars: constants that need no gradient until asked (RequiresGrad, AttachGrad).</summary>
public sealed partial class Session
{
    /// <summary>A constant holding a copy of <paramref name="value"/>.</summary>
    public Var Tensor(Tensor value)
    {
        ArgumentNullException.ThrowIfNull(value);
        ThrowIfDisposed();
        return Var.Constant(this, value.Clone());
    }

    public Var Tensor(float[] data, params int[] shape) => Var.Constant(this, Engine.Tensors.Tensor.FromArray(data, shape));
    public Var Scalar(float value) => Var.Constant(this, Engine.Tensors.Tensor.Scalar(value));

    /// <summary>
    /// The float operand of an operator (<c>2 * x</c>): one shared constant per value, so a loop that
    /// doubles a Var does not make a tensor per step. Keyed by bits, so -0 and each NaN stay themselves.
    /// </summary>
    internal Var ScalarConstant(float value)
    {
        var key = BitConverter.SingleToInt32Bits(value);
        if (_scalars.TryGetValue(key, out var cached)) return cached;
        var constant = Scalar(value);
        if (_scalars.Count < MaxCachedScalars) _scalars[key] = constant;
        return constant;
    }

    private const int MaxCachedScalars = 1024;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, Var> _scalars = new();
    public Var Arange(int n) => Var.Constant(this, Engine.Tensors.Tensor.Arange(n));
    public Var Arange(float start, float stop, float step = 1) => Var.Constant(this, Engine.Tensors.Tensor.Arange(start, stop, step));
    public Var Zeros(params int[] shape) => Var.Constant(this, Engine.Tensors.Tensor.Zeros(shape));
    public Var Ones(params int[] shape) => Var.Constant(this, Engine.Tensors.Tensor.Ones(shape));
    public Var Full(float value, params int[] shape) => Var.Constant(this, Engine.Tensors.Tensor.Full(value, shape));
    /// <summary>Standard normal values from the session's seeded random numbers.</summary>
    public Var RandomNormal(params int[] shape) => Var.Constant(this, Engine.Tensors.Tensor.RandomNormal(Random, 0f, 1f, shape));
    public Var RandomUniform(float low, float high, params int[] shape) => Var.Constant(this, Engine.Tensors.Tensor.RandomUniform(Random, low, high, shape));
}
