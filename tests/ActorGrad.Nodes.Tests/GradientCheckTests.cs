using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes.Ops;

namespace ActorGrad.Nodes.Tests;

/// <summary>
/// Every primitive of the op table and every composite against central finite differences of
/// L = sum(f(x) * R) for a random R (which checks the whole vector-Jacobian product), on random
/// shapes with broadcasting.
/// </summary>
public sealed partial class GradientCheckTests : IDisposable
{
    private readonly Session _s = new();
    private int _seed = 100;
    public void Dispose() => _s.Dispose();

    /// <summary>Random values kept away from 0 (the kinks of abs/relu, the poles of log/div).</summary>
    private Tensor Input(params int[] shape) => Input(positive: false, shape);

    private Tensor Input(bool positive, params int[] shape)
    {
        var t = Tensor.RandomNormal(_seed++, shape);
        var span = t.Span;
        for (var i = 0; i < span.Length; i++)
        {
            var magnitude = 0.3f + MathF.Abs(span[i]);
            span[i] = positive || span[i] >= 0 ? magnitude : -magnitude;
        }
        return t;
    }

    private void Check(Func<Var[], Var> f, params Tensor[] inputs)
    {
        var vars = inputs.Select(t => _s.Tensor(t).RequiresGrad()).ToArray();
        var output = f(vars);
        var weights = Tensor.RandomNormal(_seed++, output.Shape);
        var loss = (output * _s.Tensor(weights)).Sum();
        loss.Backward();

        for (var i = 0; i < inputs.Length; i++)
        {
            var analytic = vars[i].Grad?.ToArray() ?? throw new Xunit.Sdk.XunitException($"input {i} got no gradient");
            var numeric = NumericGradient(f, inputs, i, weights);
            for (var j = 0; j < numeric.Length; j++)
            {
                var tolerance = 2e-2 + 2e-2 * Math.Abs(numeric[j]);
                Assert.True(Math.Abs(analytic[j] - numeric[j]) <= tolerance,
                    $"input {i} element {j}: analytic {analytic[j]}, numeric {numeric[j]}");
            }
        }
    }

    private double[] NumericGradient(Func<Var[], Var> f, Tensor[] inputs, int which, Tensor weights)
    {
        const float eps = 1e-2f;
        var result = new double[inputs[which].Length];
        using var _ = _s.NoGrad();
        for (var j = 0; j < result.Length; j++)
        {
            double Eval(float delta)
            {
                var shifted = inputs.Select(t => t.Clone()).ToArray();
                shifted[which].Span[j] += delta;
                var output = f(shifted.Select(_s.Tensor).ToArray()).ToArray();
                return output.Zip(weights.ToArray(), (o, w) => (double)o * w).Sum();
            }
            result[j] = (Eval(eps) - Eval(-eps)) / (2 * eps);
        }
        return result;
    }

    [Fact] public void Add() => Check(v => v[0] + v[1], Input(3, 4), Input(4));
    [Fact] public void Sub() => Check(v => v[0] - v[1], Input(2, 3), Input(2, 1));
    [Fact] public void Mul() => Check(v => v[0] * v[1], Input(3, 1), Input(1, 4));
    [Fact] public void Div() => Check(v => v[0] / v[1], Input(3, 4), Input(positive: true, 4));
    [Fact] public void Pow() => Check(v => v[0].Pow(v[1]), Input(positive: true, 2, 3), Input(3));
    [Fact] public void PowScalar() => Check(v => v[0].Pow(3f), Input(5));
    [Fact] public void Neg() => Check(v => -v[0], Input(2, 2));
    [Fact] public void Exp() => Check(v => v[0].Exp(), Input(6));
    [Fact] public void Log() => Check(v => v[0].Log(), Input(positive: true, 6));
    [Fact] public void Sin() => Check(v => v[0].Sin(), Input(6));
    [Fact] public void Cos() => Check(v => v[0].Cos(), Input(6));
    [Fact] public void Tanh() => Check(v => v[0].Tanh(), Input(2, 3));
    [Fact] public void Sqrt() => Check(v => v[0].Sqrt(), Input(positive: true, 6));
    [Fact] public void Abs() => Check(v => v[0].Abs(), Input(7));
    [Fact] public void Relu() => Check(v => v[0].Relu(), Input(3, 3));
    [Fact] public void SumAll() => Check(v => v[0].Sum(), Input(2, 3, 2));
    [Fact] public void SumAxisKeepDims() => Check(v => v[0].Sum(1, keepDims: true), Input(2, 3, 2));
    [Fact] public void SumAxes() => Check(v => v[0].Sum([0, 2]), Input(2, 3, 2));
    [Fact] public void MaxAll() => Check(v => v[0].Max(), Input(3, 4));
    [Fact] public void MaxAxis() => Check(v => v[0].Max(1), Input(3, 4));
    [Fact] public void MinAxisKeepDims() => Check(v => v[0].Min(0, keepDims: true), Input(3, 4));
    [Fact] public void MatMul2D() => Check(v => v[0].MatMul(v[1]), Input(3, 4), Input(4, 5));
    [Fact] public void Dot() => Check(v => Var.Dot(v[0], v[1]), Input(5), Input(5));
    [Fact] public void MatrixVector() => Check(v => v[0].MatMul(v[1]), Input(3, 4), Input(4));
    [Fact] public void VectorMatrix() => Check(v => v[0].MatMul(v[1]), Input(4), Input(4, 3));
    [Fact] public void BatchedMatMul() => Check(v => v[0].MatMul(v[1]), Input(2, 3, 4), Input(2, 4, 2));
    [Fact] public void BatchedTimesSharedMatrix() => Check(v => v[0].MatMul(v[1]), Input(2, 3, 4), Input(4, 2));
    [Fact] public void Reshape() => Check(v => v[0].Reshape(3, -1) * v[1], Input(2, 6), Input(4));
    [Fact] public void Permute() => Check(v => v[0].Permute(2, 0, 1), Input(2, 3, 4));
    [Fact] public void Transpose() => Check(v => v[0].T.MatMul(v[1]), Input(4, 3), Input(4, 2));

    [Fact] public void Sigmoid() => Check(v => v[0].Sigmoid(), Input(6));
    [Fact] public void Mean() => Check(v => v[0].Mean(), Input(3, 4));
    [Fact] public void MeanAxes() => Check(v => v[0].Mean([1], keepDims: true), Input(3, 4));
    [Fact] public void Norm() => Check(v => v[0].Norm(), Input(5));
    [Fact] public void NormOfAMatrix() => Check(v => v[0].Norm() * v[1], Input(3, 4), Input(2));
    [Fact] public void Softmax() => Check(v => v[0].Softmax(), Input(3, 4));
    [Fact] public void LogSoftmax() => Check(v => v[0].LogSoftmax(0), Input(3, 4));
    [Fact] public void CrossEntropy() => Check(v => Var.CrossEntropy(v[0], [1, 0, 3]), Input(3, 4));
    [Fact] public void Mse() => Check(v => Var.Mse(v[0], v[1]), Input(3, 4), Input(4));
    [Fact] public void Chain() => Check(v => ((v[0] * 1.01f + 0.1f).Tanh() * v[1]).Exp().Sum(0), Input(3, 4), Input(4));

    [Fact]
    public void TheNormPrimitiveAgreesWithItsDefinition()
    {
        // norm is a primitive for speed; it must mean sqrt(sum(x * x)), value and gradient.
        var values = Input(3, 5);
        var x = _s.Tensor(values).RequiresGrad();
        var y = _s.Tensor(values).RequiresGrad();
        var fused = x.Norm();
        var composite = (y * y).Sum().Sqrt();
        Assert.Equal(composite.Item(), fused.Item(), 1e-5f);
        fused.Backward();
        composite.Backward();
        var (gx, gy) = (x.Grad!.ToArray(), y.Grad!.ToArray());
        for (var i = 0; i < gx.Length; i++) Assert.Equal(gy[i], gx[i], 1e-6f);
    }

    [Fact]
    public void EveryPrimitiveOfTheTableIsChecked()
    {
        // Keeps this file honest when the table grows: each primitive needs a check above.
        var checkedOps = new[] { "add", "sub", "mul", "div", "pow", "neg", "exp", "log", "sin", "cos", "tanh", "sqrt", "abs", "relu", "norm", "sum", "max", "min", "matmul", "reshape", "permute",
            "sigmoid", "softplus", "logsigmoid", "logsumexp", "clamp", "maximum", "minimum", "where",
            "sort", "topk", "argmax", "argmin", "index_select", "index_add", "gather", "scatter_add", "concat" };
        Assert.Equal(checkedOps.Order(), OpTable.All.Select(op => op.Name).Order());
    }
}
