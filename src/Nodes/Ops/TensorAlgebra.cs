using ActorGrad.Engine.Tensors;

namespace ActorGrad.Nodes.Ops;

/// <summary>
/// The algebra on raw tensors. It remembers every tensor it makes, so a node applies a VJP rule and
/// then disposes the rule's temporaries (returning their storage to the pool), keeping only the result.
/// Element-wise ops on read-only or deferred operands (a node's values, a gradient the node no longer writes)
/// give deferred results: a VJP chain through element-wise nodes runs as one pass when its result is read.
/// Partial: other files add the members they add to <see cref="IAlgebra{T}"/>.
/// </summary>
internal sealed partial class TensorAlgebra : IAlgebra<Tensor>, IDisposable
{
    private readonly List<Tensor> _made = [];
    // A tensor the next element-wise op that reads it first may write its result into (see AllowOverwrite).
    private Tensor? _overwritable;
    [ThreadStatic] private static TensorAlgebra? _free;

    /// <summary>An empty algebra, reused by the thread (a node applies its VJP rules with one, then returns it).</summary>
    public static TensorAlgebra Rent()
    {
        var algebra = _free;
        if (algebra is null) return new TensorAlgebra();
        _free = null;
        return algebra;
    }

    /// <summary>Disposes the temporaries and keeps the algebra for the thread's next Rent.</summary>
    public static void Return(TensorAlgebra algebra)
    {
        algebra.Dispose();
        _free = algebra;
    }

    private Tensor Made(Tensor t)
    {
        _made.Add(t);
        return t;
    }

    /// <summary>Takes <paramref name="t"/> out of the temporaries, so Dispose leaves it alone.</summary>
    public Tensor Keep(Tensor t)
    {
        _made.Remove(t);
        return t;
    }

    /// <summary>True when this algebra made <paramref name="t"/> (and would dispose it).</summary>
    public bool Owns(Tensor t) => _made.Contains(t);

    /// <summary>
    /// Lets the next Mul, Div, Neg or TanhBackward whose first operand is <paramref name="t"/> (and whose result has its
    /// shape) write into <paramref name="t"/> and return it: for a gradient the caller owns and nobody reads afterwards.
    /// </summary>
    public void AllowOverwrite(Tensor t) => _overwritable = t;

    private bool Overwrites(Tensor a, Tensor? b = null)
    {
        if (!ReferenceEquals(a, _overwritable) || (b is not null && !Shapes.BroadcastsTo(b.Shape, a.Shape))) return false;
        _overwritable = null;
        return true;
    }

    public void Dispose()
    {
        _overwritable = null;
        foreach (var t in _made) t.Dispose();
        _made.Clear();
    }

    public int[] Shape(Tensor x) => x.Shape;
    public Tensor Add(Tensor a, Tensor b) => Made(TensorOps.Deferred.Add(a, b));
    public Tensor Sub(Tensor a, Tensor b) => Made(TensorOps.Deferred.Sub(a, b));
    public Tensor Mul(Tensor a, Tensor b)
    {
        if (!Overwrites(a, b)) return Made(TensorOps.Deferred.Mul(a, b));
        TensorOps.MulInPlace(a, b);
        return a;
    }

    public Tensor Div(Tensor a, Tensor b)
    {
        if (!Overwrites(a, b)) return Made(TensorOps.Deferred.Div(a, b));
        TensorOps.DivInPlace(a, b);
        return a;
    }

    public Tensor Neg(Tensor x)
    {
        if (!Overwrites(x)) return Made(TensorOps.Deferred.Neg(x));
        TensorOps.NegInPlace(x);
        return x;
    }

    public Tensor Scale(Tensor x, float factor) => Made(TensorOps.Deferred.Mul(x, factor));
    public Tensor AddScalar(Tensor x, float value) => Made(TensorOps.Deferred.Add(x, value));
    public Tensor Pow(Tensor a, Tensor b) => Made(TensorOps.Pow(a, b));
    public Tensor Exp(Tensor x) => Made(TensorOps.Deferred.Exp(x));
    public Tensor Log(Tensor x) => Made(TensorOps.Deferred.Log(x));
    public Tensor Sin(Tensor x) => Made(TensorOps.Deferred.Sin(x));
    public Tensor Cos(Tensor x) => Made(TensorOps.Deferred.Cos(x));
    public Tensor TanhBackward(Tensor g, Tensor y)
    {
        if (!Overwrites(g, y)) return Made(TensorOps.Deferred.TanhBackward(g, y));
        TensorOps.TanhBackwardInPlace(g, y);
        return g;
    }

    public Tensor Sign(Tensor x) => Made(TensorOps.Sign(x));
    public Tensor Step(Tensor x) => Made(TensorOps.Step(x));
    public Tensor Equal(Tensor a, Tensor b) => Made(TensorOps.Equal(a, b));
    public Tensor Sum(Tensor x, int[]? axes, bool keepDims) => Made(TensorOps.Sum(x, axes, keepDims));
    public Tensor SumTo(Tensor x, int[] shape) => Made(TensorOps.SumTo(x, shape));
    public Tensor BroadcastTo(Tensor x, int[] shape) => Made(TensorOps.Deferred.BroadcastTo(x, shape));
    public Tensor Reshape(Tensor x, int[] shape) => Made(TensorOps.Reshape(x, shape));
    public Tensor Permute(Tensor x, int[] axes) => Made(TensorOps.Permute(x, axes));
    public Tensor MatMul(Tensor a, Tensor b, bool transA, bool transB) => Made(TensorOps.MatMul(a, b, transA, transB));
}
