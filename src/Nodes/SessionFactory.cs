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
    public Var Arange(int n) => Var.Constant(this, Engine.Tensors.Tensor.Arange(n));
    public Var Arange(float start, float stop, float step = 1) => Var.Constant(this, Engine.Tensors.Tensor.Arange(start, stop, step));
    public Var Zeros(params int[] shape) => Var.Constant(this, Engine.Tensors.Tensor.Zeros(shape));
    public Var Ones(params int[] shape) => Var.Constant(this, Engine.Tensors.Tensor.Ones(shape));
    public Var Full(float value, params int[] shape) => Var.Constant(this, Engine.Tensors.Tensor.Full(value, shape));
    /// <summary>Standard normal values from the session's seeded random numbers.</summary>
    public Var RandomNormal(params int[] shape) => Var.Constant(this, Engine.Tensors.Tensor.RandomNormal(Random, 0f, 1f, shape));
    public Var RandomUniform(float low, float high, params int[] shape) => Var.Constant(this, Engine.Tensors.Tensor.RandomUniform(Random, low, high, shape));
}
