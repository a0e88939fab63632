using ActorGrad.Engine.Tensors;

namespace ActorGrad.Nodes.Ops;

/// <summary>An op's settings beyond its inputs: axes, a target shape, a permutation.</summary>
public sealed record OpAttributes(int[]? Axes = null, bool KeepDims = false, int[]? Shape = null)
{
    public static readonly OpAttributes None = new();
}

/// <summary>What a VJP rule sees: the incoming gradient, the op's inputs and result, its attributes.</summary>
public readonly struct VjpArgs<T>(T grad, T[] inputs, T result, OpAttributes attributes)
{
    public T Grad { get; } = grad;
    public T[] Inputs { get; } = inputs;
    public T Result { get; } = result;
    public OpAttributes Attributes { get; } = attributes;
}

/// <summary>The VJP rules of one op, one per input, generic over the algebra (see <see cref="IAlgebra{T}"/>).</summary>
public interface IVjpRule
{
    /// <summary>The gradient for input <paramref name="input"/>, possibly in the broadcast shape (the engine sums it back).</summary>
    T Vjp<T>(IAlgebra<T> m, int input, in VjpArgs<T> a);
}

/// <summary>One primitive: name, arity, shape rule, forward kernel, VJP rules.</summary>
public sealed record OpDefinition(
    string Name,
    int Arity,
    Func<int[][], OpAttributes, int[]> ShapeRule,
    Func<Tensor[], OpAttributes, Tensor> Forward,
    IVjpRule Gradient);
