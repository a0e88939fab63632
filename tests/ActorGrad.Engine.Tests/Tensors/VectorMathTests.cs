using ActorGrad.Engine.Tensors;

namespace ActorGrad.Engine.Tests.Tensors;

/// <summary>exp and tanh at every width this CPU runs (forced), against float64 Math, over tails and special values.</summary>
public class VectorMathTests
{
    public static TheoryData<Isa> Paths() => GemmKernelPathTests.Paths();

    private static float[] Inputs()
    {
        var values = new List<float> { 0f, -0f, 1e-30f, -1e-30f, 1e-7f, 0.5f, 0.62f, 0.625f, 0.63f, -0.625f, 1f, -1f, 5f, -5f, 9f, 20f, -20f, 44f, 88f, 88.7f, 88.72f, -87f, -87.4f, -100f, -103.9f, -150f, 200f };
        var random = new Random(5);
        for (var i = 0; i < 2000; i++) values.Add((float)(random.NextDouble() * 40 - 20));
        for (var i = 0; i < 500; i++) values.Add((float)(random.NextDouble() * 2 - 1));
        return values.ToArray();
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void ExpMatchesDoublePrecisionWithinAFewUlps(Isa isa) => Check(isa, VectorMath.Exp, Math.Exp, "exp");

    [Theory]
    [MemberData(nameof(Paths))]
    public void TanhMatchesDoublePrecisionWithinAFewUlps(Isa isa) => Check(isa, VectorMath.Tanh, Math.Tanh, "tanh");

    [Theory]
    [MemberData(nameof(Paths))]
    public void SigmoidMatchesDoublePrecisionWithinAFewUlps(Isa isa) => Check(isa, VectorMath.Sigmoid, x => 1 / (1 + Math.Exp(-x)), "sigmoid");

    [Theory]
    [MemberData(nameof(Paths))]
    public void SpecialValuesAsIeeeSays(Isa isa)
    {
        using var scope = KernelIsa.Force(isa);
        float[] x = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, 89f, -200f, -float.NaN];
        var exp = new float[x.Length];
        var tanh = new float[x.Length];
        var sigmoid = new float[x.Length];
        VectorMath.Exp(x, exp);
        VectorMath.Tanh(x, tanh);
        VectorMath.Sigmoid(x, sigmoid);
        Assert.True(float.IsNaN(sigmoid[0]), isa.ToString());
        Assert.Equal([1f, 0f, 1f, 0f], new[] { sigmoid[1], sigmoid[2], sigmoid[3], sigmoid[4] });
        Assert.True(float.IsNaN(exp[0]) && float.IsNaN(tanh[0]) && float.IsNaN(exp[5]) && float.IsNaN(tanh[5]), isa.ToString());
        Assert.Equal([float.PositiveInfinity, 0f, float.PositiveInfinity, 0f], new[] { exp[1], exp[2], exp[3], exp[4] });
        Assert.Equal([1f, -1f, 1f, -1f], new[] { tanh[1], tanh[2], tanh[3], tanh[4] });
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void TanhBackwardIsTheCompositeBitForBit(Isa isa)
    {
        using var scope = KernelIsa.Force(isa);
        var random = new Random(11);
        // Every length up to a few vectors (each tail), and one the parallel driver splits.
        foreach (var length in Enumerable.Range(0, 50).Append(70_001))
        {
            var g = Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 6 - 3)).ToArray();
            var y = Enumerable.Range(0, length).Select(_ => (float)Math.Tanh(random.NextDouble() * 8 - 4)).ToArray();
            if (length > 3) (g[0], y[1], g[2]) = (float.NaN, float.NaN, float.PositiveInfinity);
            var fused = new float[length];
            VectorMath.TanhBackward(g, y, fused);
            using var gt = Tensor.FromArray(g, length);
            using var yt = Tensor.FromArray(y, length);
            using var viaTensors = TensorOps.TanhBackward(gt, yt);
            for (var i = 0; i < length; i++)
            {
                var composite = g[i] - g[i] * y[i] * y[i]; // the three ops tanh's rule was: g - (g*y)*y
                Assert.True(BitConverter.SingleToInt32Bits(composite) == BitConverter.SingleToInt32Bits(fused[i]) || (float.IsNaN(composite) && float.IsNaN(fused[i])),
                    $"tanh backward at {isa}, length {length}, [{i}]: g {g[i]:R}, y {y[i]:R}: {fused[i]:R}, composite {composite:R}");
                Assert.Equal(BitConverter.SingleToInt32Bits(fused[i]), BitConverter.SingleToInt32Bits(viaTensors.Span[i]));
            }
        }
    }

    [Fact]
    public void TanhBackwardBroadcastsAndRejectsMismatchedLengths()
    {
        using var g = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 2, 3);
        using var y = Tensor.FromArray([0.5f, 0f, -0.5f], 3);
        using var d = TensorOps.TanhBackward(g, y);
        Assert.Equal([0.75f, 2f, 2.25f, 3f, 5f, 4.5f], d.ToArray());
        Assert.Throws<ArgumentException>(() => VectorMath.TanhBackward(new float[5], new float[4], new float[5]));
        using var wrong = Tensor.FromArray([1f, 2f], 2);
        Assert.Throws<ArgumentException>(() => TensorOps.TanhBackward(g, wrong));
    }

    private static void Check(Isa isa, SpanAction op, Func<double, double> reference, string name)
    {
        using var scope = KernelIsa.Force(isa);
        var all = Inputs();
        // Every length up to a few vectors, so each tail length meets the padded last vector.
        foreach (var length in Enumerable.Range(0, 50).Append(all.Length))
        {
            var x = all.AsSpan(0, length).ToArray();
            var d = new float[length];
            op(x, d);
            for (var i = 0; i < length; i++)
            {
                var expected = reference(x[i]);
                if (float.IsInfinity((float)expected))
                {
                    Assert.True((float)expected == d[i], $"{name} at {isa}: f({x[i]:R}) = {d[i]:R}, expected {(float)expected} (overflow)");
                    continue;
                }
                var error = Math.Abs(d[i] - expected);
                // 4 ulps of the float32 result, or of the smallest normal near underflow.
                var ulp = Math.Max(Math.Abs(expected), 1.1754944e-38) * Math.Pow(2, -23);
                Assert.True(error <= 4 * ulp, $"{name} at {isa}: f({x[i]:R}) = {d[i]:R}, expected {expected:R} (length {length}, {error / ulp:F1} ulps)");
            }
        }
    }

    private delegate void SpanAction(ReadOnlySpan<float> x, Span<float> d);
}
