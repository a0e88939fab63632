using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes.Models;
using ActorGrad.Nodes.Specs;
using ActorGrad.Nodes.Tracing;
using ActorGrad.Protocol.Serialization;
using ActorGrad.Protocol.Specs;
using static ActorGrad.Nodes.Tests.Specs.SpecFixtures;

namespace ActorGrad.Nodes.Tests.Specs;

public class SpecRunnerTests
{
    public static TheoryData<string> Models() => new("spirals", "mixed", "random 1", "random 2", "random 3", "random 4");

    private static (GraphSpec Spec, LossFunction Loss, (string, Tensor)[] Parameters, Dictionary<string, Tensor> Batch) Model(string name, LossReduction reduction = LossReduction.Mean) =>
        name.StartsWith("random ", StringComparison.Ordinal)
            ? (GraphTracer.Trace(RandomGraph(int.Parse(name[7..])), RandomGraphParameters(), MixedSamples(), reduction), RandomGraph(int.Parse(name[7..])), RandomGraphParameters(), MixedBatch(24))
            : name == "spirals"
            ? (reduction == LossReduction.Mean ? SpiralsSpec() : GraphTracer.Trace(SpiralsMlp.PerExampleLoss, SpiralsParameters(),
                [new DataSample("x", SpiralsBatch(2)["x"]), new DataSample("y", SpiralsBatch(2)["y"])], reduction),
                SpiralsMlp.PerExampleLoss, SpiralsParameters(), SpiralsBatch())
            : (GraphTracer.Trace(MixedLoss, MixedParameters(), MixedSamples(), reduction), MixedLoss, MixedParameters(), MixedBatch(24));

    [Theory]
    [MemberData(nameof(Models))]
    public void TheRunnersGradientIsBitwiseTheDirectGradient(string name)
    {
        foreach (var reduction in new[] { LossReduction.Mean, LossReduction.Sum })
        {
            var (spec, loss, parameters, batch) = Model(name, reduction);
            var examples = batch.First().Value.Shape[spec.DataInputs[0].BatchAxis];
            var direct = Direct(loss, parameters, batch, reduction, examples);
            var run = Run(spec, parameters, batch);
            Assert.Equal(BitConverter.SingleToInt32Bits(direct.Loss), BitConverter.SingleToInt32Bits(run.Loss));
            for (var i = 0; i < parameters.Length; i++)
            {
                Assert.Equal(Bits(direct.Gradients[i]), Bits(run.Gradients[i]));
                Assert.Contains(direct.Gradients[i].ToArray(), g => g != 0f); // every parameter takes part
                Assert.All(direct.Gradients[i].ToArray(), g => Assert.True(float.IsFinite(g)));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void TheShardsGradientsAddUpToTheWholeBatchs(string name)
    {
        var (spec, _, parameters, batch) = Model(name);
        var examples = batch.First().Value.Shape[spec.DataInputs[0].BatchAxis];
        var whole = Run(spec, parameters, batch);
        foreach (var count in new[] { 1, 2, 3, 8 })
        {
            var shards = BatchShards.Split(spec, batch, count);
            Assert.Equal(examples, shards.Sum(s => s[spec.DataInputs[0].Name].Shape[spec.DataInputs[0].BatchAxis]));
            var results = shards.Select(s => Run(spec, parameters, s, full: examples)).ToArray();
            // In shard order, as the owners add them.
            var loss = results.Aggregate(0f, (sum, r) => sum + r.Loss);
            Assert.True(Math.Abs(loss - whole.Loss) <= 1e-5 * Math.Abs(whole.Loss), $"{count} shards: loss {loss} against {whole.Loss}");
            for (var p = 0; p < parameters.Length; p++)
            {
                var sum = results.Skip(1).Aggregate(results[0].Gradients[p].Clone(), (acc, r) => TensorOps.Add(acc, r.Gradients[p]));
                var relative = Relative(sum, whole.Gradients[p]);
                Assert.True(relative <= 1e-5, $"{count} shards, parameter '{spec.Parameters[p].Name}': relative difference {relative:E2}");
            }
        }
    }

    [Fact]
    public void AShardsShareIsItsSumOverTheFullBatchSize()
    {
        // The 1/B of the mean comes from the full batch, not from the shard: a shard of 3 out of 12 weighs a quarter.
        var (spec, _, parameters, batch) = Model("mixed");
        var shard = BatchShards.Split(spec, batch, 8)[0];
        var alone = Run(spec, parameters, shard);
        var share = Run(spec, parameters, shard, full: 24);
        Assert.Equal(alone.Loss * 3 / 24, share.Loss, 6);
        Assert.True(Relative(TensorOps.Mul(alone.Gradients[0], 3f / 24), share.Gradients[0]) <= 1e-6);
        Assert.Throws<ArgumentOutOfRangeException>(() => Run(spec, parameters, shard, full: 2));
    }

    [Fact]
    public void ASpecRunsTheSameAfterTheWireAndTwice()
    {
        var (spec, _, parameters, batch) = Model("mixed");
        var decoded = (GraphSpec)WireCodec.Decode(WireCodec.Encode(spec), "spec");
        var before = Run(spec, parameters, batch);
        var first = Run(decoded, parameters, batch);
        var second = Run(decoded, parameters, batch);
        foreach (var run in new[] { first, second })
        {
            Assert.Equal(before.Loss, run.Loss);
            for (var i = 0; i < parameters.Length; i++) Assert.Equal(Bits(before.Gradients[i]), Bits(run.Gradients[i]));
        }
    }

    [Fact]
    public void GradientsAreNamedAndZeroForAnUnusedParameter()
    {
        (string, Tensor)[] parameters = [("w", Tensor.RandomNormal(1, 2)), ("unused", Tensor.Ones(3))];
        var spec = GraphTracer.Trace(m => (m["x"] * m["w"]).Sum(1), parameters, [new DataSample("x", Tensor.RandomNormal(2, 4, 2))]);
        var batch = new Dictionary<string, Tensor> { ["x"] = Tensor.RandomNormal(3, 5, 2) };
        var result = Run(spec, parameters, batch);
        Assert.Equal(new float[3], result.Gradient("unused").ToArray());
        Assert.Equal(TensorOps.Sum(batch["x"], [0], false).ToArray().Select(v => v / 5), result.Gradient("w").ToArray(), (a, b) => Math.Abs(a - b) < 1e-6);
        Assert.Throws<KeyNotFoundException>(() => result.Gradient("nosuch"));
    }

    [Fact]
    public void AShardsGradientBitsDoNotDependOnTheThreadsItRunsOn()
    {
        // Wide enough that every product and element-wise pass of the pass splits over threads (4,096 x 512 hidden units).
        var spec = SpiralsMlp.Spec(hidden: 512);
        var parameters = SpiralsMlp.InitialParameters(seed: 3, hidden: 512).ToDictionary(p => p.Name, p => p.Value);
        var (inputs, labels) = Spirals.Generate(pointsPerClass: 1366, classes: 3, seed: 4);
        var batch = SpiralsMlp.Batch(inputs, labels);
        SpecResult Pass(int threads)
        {
            using var limit = ComputeThreads.Limit(threads);
            using var session = new Session();
            return SpecRunner.Run(session, spec, parameters, batch, fullBatchSize: 8192);
        }
        var one = Pass(1);
        var two = Pass(2);
        Assert.Equal(BitConverter.SingleToInt32Bits(one.Loss), BitConverter.SingleToInt32Bits(two.Loss));
        for (var i = 0; i < one.Gradients.Length; i++) Assert.Equal(Bits(one.Gradients[i]), Bits(two.Gradients[i]));
        Assert.Contains(one.Gradient("w1").ToArray(), g => g != 0f);
    }

    /// <summary>
    /// Members run a shard's pass on as many threads as they have cores (or `--compute-threads`), and a batch gradient must
    /// have the same bits whatever members computed it: the bits must not depend on the thread count. The
    /// step benchmark's 784-512-512-10 MLP on a shard of 128, and a graph of reductions (sums and means over either axis,
    /// max, min, log-sum-exp, a bias summed over the batch) on [256, 512] values, past every parallel kernel's threshold.
    /// </summary>
    [Fact]
    public void TheStepMlpAndAGraphOfReductionsGiveTheSameBitsOnOneThreadAndOnTwo()
    {
        var random = new Random(11);
        Tensor Uniform(params int[] shape) => Tensor.RandomNormal(random, 0f, 0.05f, shape);
        var x = Tensor.FromArray([.. Enumerable.Range(0, 128 * 784).Select(_ => random.NextSingle())], 128, 784);
        var y = TensorOps.OneHot([.. Enumerable.Range(0, 128).Select(_ => random.Next(10))], 10);
        (string, Tensor)[] mlpParameters =
            [("w1", Uniform(784, 512)), ("b1", Uniform(512)), ("w2", Uniform(512, 512)), ("b2", Uniform(512)), ("w3", Uniform(512, 10)), ("b3", Uniform(10))];
        var mlp = GraphTracer.Trace(m => Losses.SoftmaxCrossEntropy(
                ((m["x"].MatMul(m["w1"]) + m["b1"]).Relu().MatMul(m["w2"]) + m["b2"]).Relu().MatMul(m["w3"]) + m["b3"], m["y"]),
            mlpParameters, [new DataSample("x", x), new DataSample("y", y)], LossReduction.Mean);
        AssertSameBitsOnOneAndTwoThreads(mlp, mlpParameters, new(StringComparer.Ordinal) { ["x"] = x, ["y"] = y }, fullBatchSize: 1024);

        var z = Uniform(256, 512);
        (string, Tensor)[] reductionParameters = [("w", Uniform(512, 512)), ("b", Uniform(512)), ("s", Uniform(1, 512))];
        var reductions = GraphTracer.Trace(m =>
            {
                var h = (m["z"].MatMul(m["w"]) + m["b"]).Tanh() * m["s"];             // [B, 512]
                var centred = h - h.Mean([1], keepDims: true);                          // a mean over the features
                var spread = centred.Square().Sum(1);                                    // [B]
                var peak = h.Max(1) - h.Min(1);                                          // [B]
                var soft = h.LogSumExp(1, keepDims: false);                              // [B]
                return spread + peak * soft + (h.Exp().Sum(1) + 1f).Log();
            },
            reductionParameters, [new DataSample("z", z)], LossReduction.Mean);
        AssertSameBitsOnOneAndTwoThreads(reductions, reductionParameters, new(StringComparer.Ordinal) { ["z"] = z }, fullBatchSize: 256);
    }

    private static void AssertSameBitsOnOneAndTwoThreads(GraphSpec spec, (string Name, Tensor Value)[] parameters, Dictionary<string, Tensor> batch, int fullBatchSize)
    {
        var values = parameters.ToDictionary(p => p.Name, p => p.Value);
        SpecResult Pass(int threads)
        {
            using var limit = ComputeThreads.Limit(threads);
            using var session = new Session();
            return SpecRunner.Run(session, spec, values, batch, fullBatchSize);
        }
        var one = Pass(1);
        var two = Pass(2);
        Assert.Equal(BitConverter.SingleToInt32Bits(one.Loss), BitConverter.SingleToInt32Bits(two.Loss));
        for (var i = 0; i < one.Gradients.Length; i++)
        {
            Assert.Equal(Bits(one.Gradients[i]), Bits(two.Gradients[i]));
            Assert.Contains(one.Gradients[i].ToArray(), g => g != 0f); // every gradient is exercised
        }
    }
}
