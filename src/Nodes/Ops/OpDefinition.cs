using ActorGrad.Engine.Tensors;

namespace ActorGrad.Nodes.Ops;

/// <summary>
/// An op's settings beyond its inputs: axes, a target shape, a permutation; the indices of index_select and
/// index_add; clamp's bounds; top-k's count; sort's and top-k's order (descending / largest first).
/// </summary>
public sealed record OpAttributes(int[]? Axes = null, bool KeepDims = false, int[]? Shape = null,
    int[]? Indices = null, float? Min = null, float? Max = null, int? K = null, bool Descending = false)
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

    /// <summary>
    /// True when the rule reads the gradient once, as the first operand of an element-wise op (g*y, -g, g/x): a node
    /// whose gradient goes to one input then lets that op write into the gradient's storage. A rule that reads the
    /// gradient again afterwards must not say so: it would read the op's result instead (gradient checks catch it).
    /// </summary>
    bool ReadsGradientOnce => false;

    /// <summary>
    /// Whether the rule for input <paramref name="gradientFor"/> reads the op's result. False lets the node leave its
    /// value deferred (computed only if someone reads it). Only speed depends on it: a rule that reads a deferred value
    /// computes it then.
    /// </summary>
    bool ReadsResult(int gradientFor) => true;

    /// <summary>Whether the rule for input <paramref name="gradientFor"/> reads input <paramref name="input"/>'s value (false: the node need not compute a deferred input).</summary>
    bool ReadsInput(int input, int gradientFor) => true;
}

/// <summary>
/// What a JVP rule sees: the op's inputs, each input's tangent (null: that input is a constant, its
/// tangent is zero), the op's result and attributes.
/// </summary>
public readonly struct JvpArgs<T>(T[] inputs, T?[] tangents, T result, OpAttributes attributes)
{
    public T[] Inputs { get; } = inputs;
    public T?[] Tangents { get; } = tangents;
    public T Result { get; } = result;
    public OpAttributes Attributes { get; } = attributes;
}

/// <summary>The forward-mode rule of one op, generic over the algebra like <see cref="IVjpRule"/>.</summary>
public interface IJvpRule
{
    /// <summary>
    /// The result's tangent: the directional derivative along the inputs' tangents, in the result's
    /// shape or one that broadcasts to it (the engine broadcasts it). Called only when at least one
    /// tangent is not null.
    /// </summary>
    T Jvp<T>(IAlgebra<T> m, in JvpArgs<T> a);
}

/// <summary>
/// One primitive: name, arity, shape rule, forward kernel, VJP rules (reverse mode), JVP rule (forward mode).
/// <see cref="Elementwise"/> ops have kernels that may return a deferred value (<see cref="TensorOps.Deferred"/>:
/// computed when read, in one pass with the element-wise ops around it) and VJP rules made of element-wise ops.
/// </summary>
public sealed record OpDefinition(
    string Name,
    int Arity,
    Func<int[][], OpAttributes, int[]> ShapeRule,
    Func<Tensor[], OpAttributes, Tensor> Forward,
    IVjpRule Gradient,
    IJvpRule Tangent,
    bool Elementwise = false);
