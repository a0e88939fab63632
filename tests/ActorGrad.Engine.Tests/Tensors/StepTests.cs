using ActorGrad.Engine.Tensors;

namespace ActorGrad.Engine.Tests.Tensors;

/// <summary>relu's derivative at every width this CPU runs (forced): every tail, the split driver, signed zeros, NaN and infinities.</summary>
public class StepTests
{
    [Theory]
    [MemberData(nameof(GemmKernelPathTests.Paths), MemberType = typeof(GemmKernelPathTests))]
    public void StepIsOneExactlyWherePositive(Isa isa)
    {
        using var scope = KernelIsa.Force(isa);
        float[] special = [0f, -0f, float.Epsilon, -float.Epsilon, float.NaN, float.PositiveInfinity, float.NegativeInfinity, 1e-38f, -3f];
        foreach (var length in Enumerable.Range(0, 50).Append(70_001))
        {
            using var x = Reference.Random(length, length);
            for (var i = 0; i < Math.Min(length, special.Length); i++) x.Span[(i * 7) % length] = special[i];
            using var step = TensorOps.Step(x);
            var expected = x.ToArray().Select(v => v > 0 ? 1f : 0f).ToArray();
            Assert.Equal(expected, step.ToArray());
        }
    }
}
