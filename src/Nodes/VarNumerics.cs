using ActorGrad.Nodes.Ops;

namespace ActorGrad.Nodes;

/// <summary>The numerically stable primitives and the element-wise choices (see OpTable.Numerics.cs).</summary>
public sealed partial class Var
{
    /// <summary>1 / (1 + exp(-x)), a primitive: its gradient is 0, not NaN, for a saturated unit (x = -100).</summary>
    public Var Sigmoid() => Unary(OpTable.Sigmoid);

    /// <summary>log(1 + exp(x)) (torch.nn.functional.softplus: x itself above 20).</summary>
    public Var Softplus() => Unary(OpTable.Softplus);

    /// <summary>log(sigmoid(x)), finite for every finite x.</summary>
    public Var LogSigmoid() => Unary(OpTable.LogSigmoid);

    /// <summary>log(sum(exp(x))) over all elements, shifted by the maximum (no overflow).</summary>
    public Var LogSumExp() => Session.Apply(OpTable.LogSumExp, OpAttributes.None, this);
    public Var LogSumExp(int axis, bool keepDims = false) => LogSumExp([axis], keepDims);
    public Var LogSumExp(int[] axes, bool keepDims = false) => Session.Apply(OpTable.LogSumExp, new OpAttributes(axes, keepDims), this);

    /// <summary>x limited to [min, max] (torch.clamp); a null bound is no bound. The gradient passes where min &lt;= x &lt;= max.</summary>
    public Var Clamp(float? min = null, float? max = null) => Session.Apply(OpTable.Clamp, new OpAttributes(Min: min, Max: max), this);

    /// <summary>Element-wise larger of a and b, broadcast (torch.maximum): a tie shares the gradient evenly.</summary>
    public static Var Maximum(Var a, Var b) => a.Session.Apply(OpTable.Maximum, OpAttributes.None, a, b);

    /// <summary>Element-wise smaller of a and b, broadcast (torch.minimum): a tie shares the gradient evenly.</summary>
    public static Var Minimum(Var a, Var b) => a.Session.Apply(OpTable.Minimum, OpAttributes.None, a, b);

    /// <summary>
    /// torch.where: a where <paramref name="condition"/> is non-zero, else b, all three broadcast. The condition
    /// takes no gradient (it is usually a constant mask).
    /// </summary>
    public static Var Where(Var condition, Var a, Var b) => a.Session.Apply(OpTable.Where, OpAttributes.None, condition, a, b);
}
