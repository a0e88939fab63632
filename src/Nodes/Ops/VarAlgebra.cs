using ActorGrad.Engine.Tensors;

namespace ActorGrad.Nodes.Ops;

/// <summary>
/// The algebra on recorded Vars: each operation records op-table primitives in the session, so a
/// VJP or JVP rule applied with it builds a graph of node actors that can be differentiated again
/// (create-graph passes). Masks (sign, step, equality) are constants, as in the tensor algebra.
/// Partial: other files add the members they add to <see cref="IAlgebra{T}"/>.
/// </summary>
internal sealed partial class VarAlgebra(Session session) : IAlgebra<Var>
{
    private Var Constant(Tensor value) => Var.Constant(session, value);

    public int[] Shape(Var x) => x.Shape;
    public Var Add(Var a, Var b) => a + b;
    public Var Sub(Var a, Var b) => a - b;
    public Var Mul(Var a, Var b) => a * b;
    public Var Div(Var a, Var b) => a / b;
    public Var Neg(Var x) => -x;
    public Var Scale(Var x, float factor) => x * factor;
    public Var AddScalar(Var x, float value) => x + value;
    public Var Pow(Var a, Var b) => a.Pow(b);
    public Var Exp(Var x) => x.Exp();
    public Var Log(Var x) => x.Log();
    public Var Sin(Var x) => x.Sin();
    public Var Cos(Var x) => x.Cos();
    // Recorded as the primitives it is made of, so create-graph passes differentiate it again.
    public Var TanhBackward(Var g, Var y) => g - g * y * y;
    public Var Sign(Var x) => Constant(TensorOps.Sign(x.ReadValue()));
    public Var Step(Var x) => Constant(TensorOps.Step(x.ReadValue()));
    public Var Equal(Var a, Var b) => Constant(TensorOps.Equal(a.ReadValue(), b.ReadValue()));
    public Var Sum(Var x, int[]? axes, bool keepDims) => axes is null && !keepDims ? x.Sum() : x.Sum(axes ?? AllAxes(x.Rank), keepDims);
    public Var Reshape(Var x, int[] shape) => x.Shape.AsSpan().SequenceEqual(shape) ? x : x.Reshape(shape);
    public Var Permute(Var x, int[] axes) => x.Permute(axes);

    /// <summary>Sums the broadcast axes away: the leading ones, and those of size 1 in <paramref name="shape"/>.</summary>
    public Var SumTo(Var x, int[] shape)
    {
        if (x.Shape.AsSpan().SequenceEqual(shape)) return x;
        if (!Shapes.BroadcastsTo(shape, x.Shape))
            throw new ArgumentException($"SumTo: shape {Shapes.Format(x.Shape)} cannot be summed to {Shapes.Format(shape)}.");
        var lead = x.Rank - shape.Length;
        var axes = new List<int>();
        for (var k = 0; k < x.Rank; k++)
            if (k < lead || (shape[k - lead] == 1 && x.Shape[k] != 1)) axes.Add(k);
        return Reshape(x.Sum(axes.ToArray(), keepDims: true), shape);
    }

    /// <summary>x + zeros(shape): the add op broadcasts, and its VJP sums the gradient back to x's shape.</summary>
    public Var BroadcastTo(Var x, int[] shape) =>
        x.Shape.AsSpan().SequenceEqual(shape) ? x : x + Constant(Tensor.Zeros(shape));

    public Var MatMul(Var a, Var b, bool transA, bool transB) =>
        (transA ? Transposed(a) : a).MatMul(transB ? Transposed(b) : b);

    /// <summary>The last two axes swapped (a vector stays as it is, as in the tensor kernel).</summary>
    private static Var Transposed(Var x) => x.Rank switch
    {
        < 2 => x,
        2 => x.Permute(1, 0),
        _ => x.Permute([.. Enumerable.Range(0, x.Rank - 2), x.Rank - 1, x.Rank - 2]),
    };

    private static int[] AllAxes(int rank) => Enumerable.Range(0, rank).ToArray();
}
