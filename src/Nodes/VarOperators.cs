using ActorGrad.Nodes.Ops;

namespace ActorGrad.Nodes;

/// <summary>C# operators on Vars, with floats on either side.</summary>
public sealed partial class Var
{
    public static Var operator +(Var a, Var b) => a.Session.Apply(OpTable.Add, OpAttributes.None, a, b);
    public static Var operator -(Var a, Var b) => a.Session.Apply(OpTable.Sub, OpAttributes.None, a, b);
    public static Var operator *(Var a, Var b) => a.Session.Apply(OpTable.Mul, OpAttributes.None, a, b);
    public static Var operator /(Var a, Var b) => a.Session.Apply(OpTable.Div, OpAttributes.None, a, b);
    public static Var operator -(Var a) => a.Session.Apply(OpTable.Neg, OpAttributes.None, a);

    public static Var operator +(Var a, float b) => a + a.Session.ScalarConstant(b);
    public static Var operator +(float a, Var b) => b.Session.ScalarConstant(a) + b;
    public static Var operator -(Var a, float b) => a - a.Session.ScalarConstant(b);
    public static Var operator -(float a, Var b) => b.Session.ScalarConstant(a) - b;
    public static Var operator *(Var a, float b) => a * a.Session.ScalarConstant(b);
    public static Var operator *(float a, Var b) => b.Session.ScalarConstant(a) * b;
    public static Var operator /(Var a, float b) => a / a.Session.ScalarConstant(b);
    public static Var operator /(float a, Var b) => b.Session.ScalarConstant(a) / b;
}
