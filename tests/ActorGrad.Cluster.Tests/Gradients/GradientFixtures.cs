using ActorGrad.Cluster.Gradients;
using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes.Models;
using ActorGrad.Nodes.Specs;
using ActorGrad.Nodes.Tracing;
using ActorGrad.Protocol.Specs;
using static ActorGrad.Nodes.Tests.Specs.SpecFixtures;

namespace ActorGrad.Cluster.Tests.Gradients;

/// <summary>The jobs of the gradient tests and what their results are compared with.</summary>
internal static class GradientFixtures
{
    /// <summary>The spirals MLP (hidden 16) on 3 x <paramref name="pointsPerClass"/> points.</summary>
    public static GradientJob Spirals(int shards, int pointsPerClass = 40) =>
        new(SpiralsSpec(), SpiralsParameters().ToDictionary(p => p.Name, p => p.Value), SpiralsBatch(pointsPerClass), shards);

    /// <summary>A seeded random graph of 14 ops through most of the op table.</summary>
    public static GradientJob RandomGraph(int shards, int seed = 5, int examples = 24) =>
        new(GraphTracer.Trace(ActorGrad.Nodes.Tests.Specs.SpecFixtures.RandomGraph(seed), RandomGraphParameters(), MixedSamples(), LossReduction.Mean),
            RandomGraphParameters().ToDictionary(p => p.Name, p => p.Value), MixedBatch(examples), shards);

    /// <summary>The same spec, parameters and whole batch run in this process (SpecRunner in a Session).</summary>
    public static SpecResult InProcess(GradientJob job)
    {
        using var session = new ActorGrad.Nodes.Session();
        return SpecRunner.Run(session, job.Spec, job.Parameters, job.Batch);
    }

    public static void AssertBitwiseEqual(GradientResult expected, GradientResult actual)
    {
        Assert.Equal(BitConverter.SingleToInt32Bits(expected.Loss), BitConverter.SingleToInt32Bits(actual.Loss));
        Assert.Equal(expected.Gradients.Length, actual.Gradients.Length);
        for (var i = 0; i < expected.Gradients.Length; i++)
            Assert.True(Bits(expected.Gradients[i]).SequenceEqual(Bits(actual.Gradients[i])),
                $"The gradient of '{expected.Spec.Parameters[i].Name}' differs in its bits.");
    }

    /// <summary>Within 1e-5 relative of the in-process gradient of the whole batch (float32 rounding of a different summation order).</summary>
    public static void AssertCloseToInProcess(GradientJob job, GradientResult actual)
    {
        var expected = InProcess(job);
        Assert.InRange(Math.Abs(actual.Loss - expected.Loss) / Math.Max(Math.Abs(expected.Loss), 1e-30), 0, 1e-5);
        for (var i = 0; i < expected.Gradients.Length; i++)
            Assert.InRange(Relative(actual.Gradients[i], expected.Gradients[i]), 0, 1e-5);
    }

}
