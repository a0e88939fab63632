using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes.Models;
using ActorGrad.Nodes.Specs;
using ActorGrad.Nodes.Tracing;
using ActorGrad.Protocol.Specs;

namespace ActorGrad.Nodes.Tests.Specs;

/// <summary>Models for the spec tests: the spirals MLP and a per-example loss through most of the op table.</summary>
internal static class SpecFixtures
{
    // ---- the spirals MLP ----

    public static (string Name, Tensor Value)[] SpiralsParameters() => SpiralsMlp.InitialParameters(seed: 7, hidden: 16);

    public static Dictionary<string, Tensor> SpiralsBatch(int pointsPerClass = 40)
    {
        var (inputs, labels) = Spirals.Generate(pointsPerClass, SpiralsMlp.Classes, seed: 7);
        return SpiralsMlp.Batch(inputs, labels);
    }

    public static GraphSpec SpiralsSpec() => SpiralsMlp.Spec(hidden: 16);

    // ---- a graph of several ops: data x [B, 4] (batch axis 0) and z [3, B] (batch axis 1) ----

    public static (string Name, Tensor Value)[] MixedParameters() =>
    [
        ("w", Tensor.RandomNormal(31, 4, 3)),
        ("b", Tensor.RandomNormal(32, 3)),
        ("c", Tensor.RandomNormal(33, 1, 3)),
    ];

    public static Dictionary<string, Tensor> MixedBatch(int examples) => new(StringComparer.Ordinal)
    {
        ["x"] = Tensor.RandomNormal(41 + examples, examples, 4),
        ["z"] = Tensor.RandomNormal(42 + examples, 3, examples),
    };

    public static DataSample[] MixedSamples(int examples = 5)
    {
        var batch = MixedBatch(examples);
        return [new DataSample("x", batch["x"]), new DataSample("z", batch["z"], BatchAxis: 1)];
    }

    /// <summary>matmul, add, tanh, permute, mul, exp, div, abs, reshape, max, sin, cos, sub, sum, relu, pow, sqrt, min, neg, log: per example.</summary>
    public static Var MixedLoss(ModelInputs m)
    {
        var h = (m["x"].MatMul(m["w"]) + m["b"]).Tanh();                 // [B, 3]
        var u = m["z"].Permute(1, 0);                                     // [B, 3], the batch moved from axis 1
        var v = (h * u * m["c"]).Exp() / (1f + u.Abs());                  // [B, 3]
        var r = v.Reshape(v.Shape[0], 3, 1);                              // recorded with -1 for the batch
        var top = r.Max(1).Reshape(-1);                                   // [B]
        var wave = (v.Sin() - v.Cos()).Square().Sum(1);                   // [B]
        var root = (h.Relu() + 0.5f).Pow(2f).Sqrt().Min(1, keepDims: true); // [B, 1]
        var decay = m["w"].Square().Sum() * 0.01f;                        // no batch axis: the same for every example
        return top + wave - root.Neg().Reshape(-1) + (1f + v.Sum(1)).Log() + decay;
    }

    // ---- the same loss written directly with Vars ----

    /// <summary>The loss <c>perExample.Sum() / B</c> (or the plain sum) and the gradients, with no spec involved.</summary>
    public static (float Loss, Tensor[] Gradients) Direct(LossFunction perExample, (string Name, Tensor Value)[] parameters,
        IReadOnlyDictionary<string, Tensor> batch, LossReduction reduction, int examples)
    {
        using var session = new Session();
        var vars = new Dictionary<string, Var>(StringComparer.Ordinal);
        var leaves = parameters.Select(p => vars[p.Name] = session.Tensor(p.Value).RequiresGrad()).ToArray();
        foreach (var (name, value) in batch) vars[name] = session.Tensor(value);
        var loss = perExample(new ModelInputs(session, vars)).Sum();
        if (reduction == LossReduction.Mean) loss /= examples;
        loss.Backward();
        return (loss.Item(), leaves.Select(l => l.Grad!).ToArray());
    }

    public static SpecResult Run(GraphSpec spec, (string Name, Tensor Value)[] parameters, IReadOnlyDictionary<string, Tensor> batch, int? full = null)
    {
        using var session = new Session();
        return SpecRunner.Run(session, spec, parameters.ToDictionary(p => p.Name, p => p.Value), batch, full);
    }

    public static int[] Bits(Tensor t) => t.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();

    /// <summary>max |a - b| over max |b|: the relative difference of two tensors.</summary>
    public static double Relative(Tensor actual, Tensor expected)
    {
        var (a, e) = (actual.ToArray(), expected.ToArray());
        Assert.Equal(e.Length, a.Length);
        double diff = 0, scale = 1e-30;
        for (var i = 0; i < e.Length; i++)
        {
            diff = Math.Max(diff, Math.Abs((double)a[i] - e[i]));
            scale = Math.Max(scale, Math.Abs((double)e[i]));
        }
        return diff / scale;
    }
}
