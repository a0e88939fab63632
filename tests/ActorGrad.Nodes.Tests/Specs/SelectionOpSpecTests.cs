using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes.Tracing;
using ActorGrad.Protocol.Serialization;
using ActorGrad.Protocol.Specs;
using static ActorGrad.Nodes.Tests.Specs.SpecFixtures;

namespace ActorGrad.Nodes.Tests.Specs;

/// <summary>Traced models that use the stable and selection ops: they validate, travel (format version 2) and run as in-process.</summary>
public class SelectionOpSpecTests
{
    private static readonly (string Name, Tensor Value)[] W = [("w", Tensor.RandomNormal(41, 3, 4)), ("u", Tensor.RandomNormal(42, 4))];

    private static Dictionary<string, Tensor> Batch(int examples)
    {
        var labels = Tensor.Zeros(examples, 1);
        for (var i = 0; i < examples; i++) labels.Span[i] = (i * 7) % 4;
        return new(StringComparer.Ordinal) { ["x"] = Tensor.RandomNormal(43 + examples, examples, 3), ["y"] = labels };
    }

    private static DataSample[] Samples(int examples) => Batch(examples).Select(p => new DataSample(p.Key, p.Value)).ToArray();

    /// <summary>Cross-entropy of the labels gathered from the log-softmax, plus terms that use every new per-example op.</summary>
    private static Var Loss(ModelInputs m)
    {
        var logits = m["x"].MatMul(m["w"]);
        var nll = -logits.LogSoftmax(-1).Gather(1, m["y"]).Sum(1);
        var shaped = Var.Maximum(logits.Sigmoid(), logits.Softplus().Clamp(max: 0.7f)) + Var.Minimum(logits.LogSigmoid(), m["u"]);
        var picked = Var.Concat(1, shaped.TopK(2), shaped.Sort(descending: true).IndexSelect(1, [3]), shaped.Slice(0, 2, axis: 1));
        var mask = m.Session.Tensor([1f, 0f, 1f, 0f, 1f], 5);
        return nll + Var.Where(mask, picked, picked * 0.5f).LogSumExp(-1);
    }

    [Fact]
    public void ATracedModelWithTheNewOpsRunsLikeTheDirectComputation()
    {
        var spec = GraphTracer.Trace(Loss, W, Samples(4));
        Assert.Contains("gather", spec.Nodes.Select(n => n.Op));
        Assert.Contains("topk", spec.Nodes.Select(n => n.Op));
        Assert.Contains(spec.Nodes, n => n.Attributes.UsesVersion2);

        var travelled = (GraphSpec)WireCodec.Decode(WireCodec.Encode(spec), "spec");
        var batch = Batch(6); // traced on 4 examples, run on 6
        var direct = Direct(Loss, W, batch, LossReduction.Mean, 6);
        var run = Run(travelled, W, batch);
        Assert.Equal(direct.Loss, run.Loss, 1e-5f);
        for (var i = 0; i < W.Length; i++) Assert.True(Relative(run.Gradients[i], direct.Gradients[i]) < 1e-5, $"gradient of {W[i].Name}");
    }

    [Fact]
    public void SortingAlongTheBatchAxisMixesExamplesAndIsRefused()
    {
        var error = Assert.Throws<InvalidOperationException>(() => GraphTracer.Trace(m => m["x"].MatMul(m["w"]).Sort(0).Sum(1), W, Samples(4)));
        Assert.Contains("op 'sort' works along the batch axis", error.Message);
    }

    [Fact]
    public void GatheringWithAConstantIndexPairsExamplesWithConstantsAndIsRefused()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            GraphTracer.Trace(m => m["x"].MatMul(m["w"]).Gather(1, m.Session.Tensor([0f, 1f, 2f, 3f], 4, 1)).Sum(1), W, Samples(4)));
        Assert.Contains("op 'gather'", error.Message);
    }

    [Fact]
    public void AttributesAnOpDoesNotTakeAreRejected()
    {
        var spec = GraphTracer.Trace(m => m["x"].MatMul(m["w"]).Sigmoid().Sum(1), W, Samples(4));
        var sigmoid = spec.Nodes.Single(n => n.Op == "sigmoid");
        var bad = spec with { Nodes = spec.Nodes.Replace(sigmoid, sigmoid with { Attributes = new SpecAttributes(K: 2) }) };
        Assert.Contains("it takes no k", Assert.ThrowsAny<Exception>(() => ActorGrad.Nodes.Specs.SpecValidator.Check(bad)).Message);
        var topk = new SpecNode("topk", new SpecAttributes(Axes: [1]), [SpecInput.Node(0)]);
        var missing = spec with { Nodes = spec.Nodes.Insert(1, topk) };
        Assert.Contains("it needs k", Assert.ThrowsAny<Exception>(() => ActorGrad.Nodes.Specs.SpecValidator.Check(missing)).Message);
    }
}
