namespace ActorGrad.Engine.Tensors;

/// <summary>C# operators; each returns a new tensor the caller owns.</summary>
public sealed partial class Tensor
{
    public static Tensor operator +(Tensor a, Tensor b) => TensorOps.Add(a, b);
    public static Tensor operator -(Tensor a, Tensor b) => TensorOps.Sub(a, b);
    public static Tensor operator *(Tensor a, Tensor b) => TensorOps.Mul(a, b);
    public static Tensor operator /(Tensor a, Tensor b) => TensorOps.Div(a, b);
    public static Tensor operator -(Tensor a) => TensorOps.Neg(a);
    public static Tensor operator +(Tensor a, float b) => TensorOps.Add(a, b);
    public static Tensor operator +(float a, Tensor b) => TensorOps.Add(b, a);
    public static Tensor operator -(Tensor a, float b) => TensorOps.Sub(a, b);
    public static Tensor operator -(float a, Tensor b) => TensorOps.Sub(a, b);
    public static Tensor operator *(Tensor a, float b) => TensorOps.Mul(a, b);
    public static Tensor operator *(float a, Tensor b) => TensorOps.Mul(b, a);
    public static Tensor operator /(Tensor a, float b) => TensorOps.Div(a, b);
    public static Tensor operator /(float a, Tensor b) => TensorOps.Div(a, b);
}
