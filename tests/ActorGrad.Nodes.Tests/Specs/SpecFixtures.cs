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

    // ---- random graphs over the same inputs (and a parameter v [3, 3]) ----

    public static (string Name, Tensor Value)[] RandomGraphParameters() => [.. MixedParameters(), ("v", Tensor.RandomNormal(34, 3, 3))];

    /// <summary>
    /// A per-example loss of <paramref name="ops"/> ops drawn with <paramref name="seed"/> over a growing pool of [B, 3]
    /// values; the same seed gives the same graph on every call. Values are kept bounded (tanh before exp and divisors).
    /// </summary>
    public static LossFunction RandomGraph(int seed, int ops = 14) => m =>
    {
        var random = new Random(seed);
        var pool = new List<Var> { (m["x"].MatMul(m["w"]) + m["b"]).Tanh().MatMul(m["v"]), m["z"].Permute(1, 0) };
        for (var i = 0; i < ops; i++)
        {
            var a = pool[random.Next(pool.Count)];
            var b = pool[random.Next(pool.Count)];
            pool.Add(random.Next(15) switch
            {
                0 => a.Tanh(),
                1 => a.Sin(),
                2 => a.Cos(),
                3 => a.Tanh().Exp(),
                4 => a.Relu(),
                5 => a.Abs(),
                6 => a + b,
                7 => a - b,
                8 => a * b.Tanh(),
                9 => a / (1.5f + b.Tanh()),
                10 => a * m["c"],
                11 => a.Reshape(a.Shape[0], 3, 1).Max(2),
                12 => a * (1f + a.Square().Sum(1, keepDims: true)).Sqrt().Pow(-1f),
                13 => a.Permute(1, 0).Neg().Permute(1, 0),
                _ => a.Tanh().MatMul(m["v"]),
            });
        }
        // Squared, so that per-example losses are positive as real losses are (a sum of mixed signs cancels, and its rounding with it).
        return ((pool[^1] * m["c"] * (1f + pool[0].Tanh())).Sum(1) + pool[random.Next(2, pool.Count)].Min(1) + pool[^2].Tanh().Mean([1])).Square();
    };

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
        return (loss.Item(), leaves.Select(l => l.Grad ?? Tensor.Zeros(l.Shape)).ToArray());
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
