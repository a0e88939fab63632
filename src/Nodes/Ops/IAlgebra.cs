namespace ActorGrad.Nodes.Ops;

/// <summary>
/// The operations VJP and JVP rules are written in. The rules are generic over the value type, so the
/// same table runs on raw tensors (<see cref="TensorAlgebra"/>) and on recorded Vars (VarAlgebra),
/// which is what gradients of gradients need. Partial: other files add members.
/// </summary>
public partial interface IAlgebra<T>
{
    int[] Shape(T x);
    T Add(T a, T b);
    T Sub(T a, T b);
    T Mul(T a, T b);
    T Div(T a, T b);
    T Neg(T x);
    T Scale(T x, float factor);
    T AddScalar(T x, float value);
    T Pow(T a, T b);
    T Exp(T x);
    T Log(T x);
    T Sin(T x);
    T Cos(T x);
    /// <summary>g*(1 - y*y), tanh's backward from the gradient g and the value y = tanh(x) (one pass on tensors).</summary>
    T TanhBackward(T g, T y);
    /// <summary>sign(x), a constant: no gradient flows through it.</summary>
    T Sign(T x);
    /// <summary>1 where x &gt; 0 else 0, a constant.</summary>
    T Step(T x);
    /// <summary>1 where a == b else 0, a constant.</summary>
    T Equal(T a, T b);
    T Sum(T x, int[]? axes, bool keepDims);
    T SumTo(T x, int[] shape);
    T BroadcastTo(T x, int[] shape);
    T Reshape(T x, int[] shape);
    T Permute(T x, int[] axes);
    T MatMul(T a, T b, bool transA, bool transB);
}
