using ActorGrad.Engine.Tensors;

namespace ActorGrad.Engine.Tests.Tensors;

public class ElementwiseTests
{
    public static TheoryData<string> UnaryNames => new() { "Neg", "Exp", "Log", "Sin", "Cos", "Tanh", "Sigmoid", "Sqrt", "Abs", "Relu", "Square", "Reciprocal", "Sign", "Step" };

    private static (Func<Tensor, Tensor> Op, Func<float, float> Ref, bool Positive) Unary(string name) => name switch
    {
        "Neg" => (TensorOps.Neg, x => -x, false),
        "Exp" => (TensorOps.Exp, MathF.Exp, false),
        "Log" => (TensorOps.Log, MathF.Log, true),
        "Sin" => (TensorOps.Sin, MathF.Sin, false),
        "Cos" => (TensorOps.Cos, MathF.Cos, false),
        "Tanh" => (TensorOps.Tanh, MathF.Tanh, false),
        "Sigmoid" => (TensorOps.Sigmoid, x => 1f / (1f + MathF.Exp(-x)), false),
        "Sqrt" => (TensorOps.Sqrt, MathF.Sqrt, true),
        "Abs" => (TensorOps.Abs, MathF.Abs, false),
        "Relu" => (TensorOps.Relu, x => x > 0 ? x : 0, false),
        "Square" => (TensorOps.Square, x => x * x, false),
        "Reciprocal" => (TensorOps.Reciprocal, x => 1 / x, true),
        "Sign" => (TensorOps.Sign, x => MathF.Sign(x), false),
        "Step" => (TensorOps.Step, x => x > 0 ? 1 : 0, false),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(UnaryNames))]
    public void UnaryMatchesScalarReferenceOverAllTailLengths(string name)
    {
        var (op, reference, positive) = Unary(name);
        foreach (var length in Enumerable.Range(0, 71).Append(100_003))
        {
            using var x = Reference.Random(length, length);
            if (positive) for (var i = 0; i < x.Length; i++) x.Span[i] = MathF.Abs(x.Span[i]) + 0.1f;
            using var y = op(x);
            Assert.Equal(x.Shape, y.Shape);
            Reference.AssertClose(x.ToArray().Select(reference).ToArray(), y.ToArray(), 2e-5f, $"{name}({length})");
        }
    }

    private static readonly string[] BinaryOpNames = ["Add", "Sub", "Mul", "Div", "Pow", "Maximum", "Minimum", "Greater", "GreaterEqual", "Less", "LessEqual", "Equal"];
    public static TheoryData<string> BinaryNames => new(BinaryOpNames);

    private static (Func<Tensor, Tensor, Tensor> Op, Func<float, float, float> Ref) Binary(string name) => name switch
    {
        "Add" => (TensorOps.Add, (x, y) => x + y),
        "Sub" => (TensorOps.Sub, (x, y) => x - y),
        "Mul" => (TensorOps.Mul, (x, y) => x * y),
        "Div" => (TensorOps.Div, (x, y) => x / y),
        "Pow" => (TensorOps.Pow, MathF.Pow),
        "Maximum" => (TensorOps.Maximum, Math.Max),
        "Minimum" => (TensorOps.Minimum, Math.Min),
        "Greater" => (TensorOps.Greater, (x, y) => x > y ? 1 : 0),
        "GreaterEqual" => (TensorOps.GreaterEqual, (x, y) => x >= y ? 1 : 0),
        "Less" => (TensorOps.Less, (x, y) => x < y ? 1 : 0),
        "LessEqual" => (TensorOps.LessEqual, (x, y) => x <= y ? 1 : 0),
        "Equal" => (TensorOps.Equal, (x, y) => x == y ? 1 : 0),
        _ => throw new ArgumentException(name),
    };

    private static Tensor Operand(string name, int seed, int[] shape)
    {
        var t = Reference.Random(seed, shape);
        // Pow needs a positive base; Equal needs some equal pairs (rounded values collide).
        for (var i = 0; i < t.Length; i++)
            t.Span[i] = name == "Pow" ? MathF.Abs(t.Span[i]) + 0.5f : name == "Equal" ? MathF.Round(t.Span[i]) : t.Span[i];
        return t;
    }

    [Theory]
    [MemberData(nameof(BinaryNames))]
    public void BinaryMatchesScalarReferenceOverAllTailLengths(string name)
    {
        var (op, reference) = Binary(name);
        foreach (var length in Enumerable.Range(0, 71).Append(100_003))
        {
            using var a = Operand(name, length, [length]);
            using var b = Operand(name, length + 1000, [length]);
            using var c = op(a, b);
            Reference.AssertClose(Reference.Broadcast(a, b, reference, out _), c.ToArray(), 2e-5f, $"{name}({length})");
        }
    }

    public static TheoryData<int[], int[]> BroadcastShapes => new()
    {
        { [2, 3], [3] }, { [3], [2, 3] }, { [4, 1], [1, 5] }, { [2, 3, 4], [3, 1] }, { [2, 1, 4], [1, 3, 1] },
        { [], [3, 2] }, { [5, 7], [] }, { [1], [6, 17] }, { [256, 10], [256, 1] }, { [3, 1, 1], [1, 1, 33] },
    };

    [Theory]
    [MemberData(nameof(BroadcastShapes))]
    public void BroadcastingMatchesReferenceForEveryOp(int[] shapeA, int[] shapeB)
    {
        foreach (var name in BinaryOpNames)
        {
            var (op, reference) = Binary(name);
            using var a = Operand(name, 1, shapeA);
            using var b = Operand(name, 2, shapeB);
            using var c = op(a, b);
            var expected = Reference.Broadcast(a, b, reference, out var shape);
            Assert.Equal(shape, c.Shape);
            Reference.AssertClose(expected, c.ToArray(), 2e-5f, $"{name} {Shapes.Format(shapeA)} {Shapes.Format(shapeB)}");
        }
    }

    [Fact]
    public void ScalarOperandsMatchTensorOperands()
    {
        using var x = Reference.Random(3, 5, 7);
        using var s = Tensor.Scalar(2.5f);
        Assert.Equal((x + s).ToArray(), (x + 2.5f).ToArray());
        Assert.Equal((s - x).ToArray(), (2.5f - x).ToArray());
        Assert.Equal((x * s).ToArray(), (2.5f * x).ToArray());
        Assert.Equal((s / x).ToArray(), (2.5f / x).ToArray());
        Assert.Equal(TensorOps.Pow(x, s).ToArray(), TensorOps.Pow(x, 2.5f).ToArray());
    }

    [Fact]
    public void ShapeMismatchNamesTheOpAndBothShapes()
    {
        using var a = Tensor.Zeros(2, 3);
        using var b = Tensor.Zeros(4);
        var error = Assert.Throws<ArgumentException>(() => TensorOps.Add(a, b));
        Assert.Contains("Add", error.Message);
        Assert.Contains("[2, 3]", error.Message);
        Assert.Contains("[4]", error.Message);
    }

    [Fact]
    public void NaNAndInfinityPropagateAsIeeeSays()
    {
        using var x = Tensor.FromArray([float.NaN, float.PositiveInfinity, -1f, 0f]);
        using var y = Tensor.FromArray([1f, 1f, float.NaN, 0f]);
        Reference.AssertClose([float.NaN, float.PositiveInfinity, float.NaN, 0f], (x + y).ToArray());
        Reference.AssertClose([float.NaN, float.PositiveInfinity, float.NaN, 0f], TensorOps.Maximum(x, y).ToArray());
        Reference.AssertClose([float.NaN, float.PositiveInfinity, 0f, 0f], TensorOps.Relu(x).ToArray());
        Reference.AssertClose([float.NaN, float.PositiveInfinity, float.NaN, float.NaN], (x / y).ToArray());
        Assert.True(float.IsNaN(TensorOps.Max(x).Item()));
        Assert.True(float.IsNaN(TensorOps.Sum(x).Item()));
    }

    [Fact]
    public void WhereSelectsWithBroadcasting()
    {
        using var c = Tensor.FromArray([1f, 0f, 1f]);
        using var a = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 2, 3);
        using var b = Tensor.Scalar(-1f);
        Assert.Equal([1f, -1f, 3f, 4f, -1f, 6f], TensorOps.Where(c, a, b).ToArray());
    }

    [Fact]
    public void InPlaceAccumulationAddsBroadcastSource()
    {
        using var target = Tensor.Ones(2, 3);
        using var row = Tensor.FromArray([1f, 2f, 3f]);
        TensorOps.AddInPlace(target, row);
        Assert.Equal([2f, 3f, 4f, 2f, 3f, 4f], target.ToArray());
        TensorOps.AddScaledInPlace(target, target.Clone(), -0.5f);
        Assert.Equal([1f, 1.5f, 2f, 1f, 1.5f, 2f], target.ToArray());
        Assert.Throws<ArgumentException>(() => TensorOps.AddInPlace(row, target));
    }
}
