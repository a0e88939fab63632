using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes.Ops;

namespace ActorGrad.Nodes;

/// <summary>The primitive ops as methods; each records one node (see <see cref="OpTable"/>).</summary>
public sealed partial class Var
{
    private Var Unary(OpDefinition op) => Session.Apply(op, OpAttributes.None, this);

    public Var Exp() => Unary(OpTable.Exp);
    public Var Log() => Unary(OpTable.Log);
    public Var Sin() => Unary(OpTable.Sin);
    public Var Cos() => Unary(OpTable.Cos);
    public Var Tanh() => Unary(OpTable.Tanh);
    public Var Sqrt() => Unary(OpTable.Sqrt);
    public Var Abs() => Unary(OpTable.Abs);
    public Var Relu() => Unary(OpTable.Relu);
    public Var Neg() => Unary(OpTable.Neg);
    /// <summary>The Euclidean norm of all elements (a scalar).</summary>
    public Var Norm() => Unary(OpTable.Norm);

    public Var Pow(Var exponent) => Session.Apply(OpTable.Pow, OpAttributes.None, this, exponent);
    public Var Pow(float exponent) => Pow(Session.ScalarConstant(exponent));

    /// <summary>Sum of all elements (a scalar).</summary>
    public Var Sum() => Session.Apply(OpTable.Sum, OpAttributes.None, this);
    public Var Sum(int[] axes, bool keepDims = false) => Session.Apply(OpTable.Sum, new OpAttributes(axes, keepDims), this);
    public Var Sum(int axis, bool keepDims = false) => Sum([axis], keepDims);

    /// <summary>Largest element; its gradient goes to the arg-max.</summary>
    public Var Max() => Session.Apply(OpTable.Max, OpAttributes.None, this);
    public Var Max(int axis, bool keepDims = false) => Session.Apply(OpTable.Max, new OpAttributes([axis], keepDims), this);
    public Var Min() => Session.Apply(OpTable.Min, OpAttributes.None, this);
    public Var Min(int axis, bool keepDims = false) => Session.Apply(OpTable.Min, new OpAttributes([axis], keepDims), this);

    /// <summary>Inner product of two vectors.</summary>
    public Var Dot(Var other)
    {
        if (Rank != 1 || other.Rank != 1 || Shape[0] != other.Shape[0])
            throw new ArgumentException($"dot: expects two 1-D Vars of equal length, got {Shapes.Format(Shape)} and {Shapes.Format(other.Shape)}.");
        return MatMul(other);
    }

    /// <summary>torch.matmul: vector, matrix and batched products.</summary>
    public Var MatMul(Var other) => Session.Apply(OpTable.MatMul, OpAttributes.None, this, other);

    public Var Reshape(params int[] shape) => Session.Apply(OpTable.Reshape, new OpAttributes(Shape: shape), this);
    /// <summary>Reorders the axes (torch.permute); negative axes count from the end and are recorded as their positive form.</summary>
    public Var Permute(params int[] axes)
    {
        ArgumentNullException.ThrowIfNull(axes);
        var rank = Rank;
        return Session.Apply(OpTable.Permute, new OpAttributes(Axes: axes.Select(a => a < 0 ? a + rank : a).ToArray()), this);
    }

    /// <summary>Matrix transpose (PyTorch's .T); a vector or scalar is returned as it is.</summary>
    public Var T => Rank < 2 ? this : Rank == 2 ? Permute(1, 0)
        : throw new ArgumentException($"T: expects rank <= 2, got {Shapes.Format(Shape)}; use Permute.");

    public static Var Dot(Var a, Var b) => a.Dot(b);
    public static Var MatMul(Var a, Var b) => a.MatMul(b);
}
