using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes.Tracing;
using ActorGrad.Protocol.Specs;
using static ActorGrad.Nodes.Tests.Specs.SpecFixtures;

namespace ActorGrad.Nodes.Tests.Specs;

public class TracingTests
{
    private static readonly (string, Tensor)[] W = [("w", Tensor.RandomNormal(1, 3, 2))];
    private static DataSample[] X(int examples = 4) => [new DataSample("x", Tensor.RandomNormal(2, examples, 3))];

    private static GraphSpec Trace(LossFunction loss, LossReduction reduction = LossReduction.Mean) => GraphTracer.Trace(loss, W, X(), reduction);

    private static string TraceFails(LossFunction loss) => Assert.Throws<InvalidOperationException>(() => Trace(loss)).Message;

    [Fact]
    public void TheSpiralsMlpTracesIntoItsOps()
    {
        var spec = SpiralsSpec();
        Assert.Equal(GraphSpec.CurrentFormatVersion, spec.FormatVersion);
        Assert.Equal(["w1", "b1", "w2", "b2"], spec.Parameters.Select(p => p.Name));
        Assert.Equal([2, 16], spec.Parameters[0].Shape.ToArray());
        Assert.Equal([("x", 0, "2"), ("y", 0, "3")], spec.DataInputs.Select(d => (d.Name, d.BatchAxis, string.Join(",", d.ExampleShape))));
        // logits, then LogSoftmax (logsumexp, sub), the targets' product, the sum per example, neg, and the tracer's sum over the batch.
        Assert.Equal(["matmul", "add", "relu", "matmul", "add", "logsumexp", "sub", "mul", "sum", "neg", "sum"], spec.Nodes.Select(n => n.Op));
        Assert.Equal(spec.Nodes.Length - 1, spec.LossNode);
        Assert.Equal(LossReduction.Mean, spec.Reduction);
        Assert.Equal(SpecInput.Data(0), spec.Nodes[0].Inputs[0]);
        Assert.Equal(SpecInput.Parameter(0), spec.Nodes[0].Inputs[1]);
        Assert.Equal([-1], spec.Nodes[5].Attributes.Axes!.Value.ToArray());
        Assert.True(spec.Nodes[5].Attributes.KeepDims);
        Assert.Empty(spec.Constants); // no constant: the 1/B is the runner's
    }

    [Fact]
    public void ConstantsAreRecordedOnceByValue()
    {
        var spec = Trace(m => (m["x"].MatMul(m["w"]) * 2f + 2f).Sum(1));
        Assert.Single(spec.Constants); // the operator's shared scalar 2
        Assert.Equal([2f], spec.Constants[0].Values.ToArray());
        Assert.Equal([SpecInput.Node(0), SpecInput.Constant(0)], spec.Nodes[1].Inputs.ToArray());
        Assert.Equal([SpecInput.Node(1), SpecInput.Constant(0)], spec.Nodes[2].Inputs.ToArray());
    }

    [Fact]
    public void OpsOnConstantsAloneAreFoldedIntoOneConstant()
    {
        var spec = Trace(m => (m["x"] * (m.Session.Scalar(3f).Exp() + 1f)).Sum(1));
        Assert.Equal(["mul", "sum", "sum"], spec.Nodes.Select(n => n.Op));
        Assert.Equal([MathF.Exp(3f) + 1f], spec.Constants.Single().Values.ToArray());
    }

    [Fact]
    public void AScalarSumOverTheBatchIsTheLossItself()
    {
        var spec = Trace(m => m["x"].MatMul(m["w"]).Square().Sum());
        Assert.Equal(["matmul", "mul", "sum"], spec.Nodes.Select(n => n.Op));
        Assert.Equal(2, spec.LossNode);
    }

    [Fact]
    public void AReshapeRecordsTheBatchAsMinusOne()
    {
        var spec = Trace(m => m["x"].Reshape(4, 3, 1).Reshape(4, 3).MatMul(m["w"]).Sum(1));
        Assert.Equal([-1, 3, 1], spec.Nodes[0].Attributes.Shape!.Value.ToArray());
        Assert.Equal([-1, 3], spec.Nodes[1].Attributes.Shape!.Value.ToArray());
        var batch = new Dictionary<string, Tensor> { ["x"] = Tensor.RandomNormal(5, 7, 3) };
        Assert.True(float.IsFinite(Run(spec, W, batch).Loss)); // 7 examples, traced on 4
    }

    [Theory]
    [InlineData("item")]
    [InlineData("toarray")]
    [InlineData("value")]
    [InlineData("indexer")]
    [InlineData("tostring")]
    [InlineData("detach")]
    [InlineData("async")]
    public void ReadingATracedValueFailsAtOnce(string how)
    {
        var reached = false;
        var message = TraceFails(m =>
        {
            var h = m["x"].MatMul(m["w"]);
            var norm = h.Square().Sum();
            _ = how switch
            {
                "item" => norm.Item() > 1 ? 1 : 0, // branching on data
                "toarray" => h.ToArray().Length,
                "value" => h.Value().Length,
                "indexer" => (int)h[0, 0],
                "tostring" => h.ToString().Length,
                "detach" => h.Detach().Length,
                _ => h.ValueAsync().GetAwaiter().GetResult().Length,
            };
            reached = true;
            return h.Sum(1);
        });
        Assert.False(reached);
        Assert.Contains("does not capture value-dependent control flow", message);
        Assert.Contains("jax.jit", message);
        Assert.Contains(how == "item" ? "op 'sum' (node 2)" : "op 'matmul' (node 0)", message);
    }

    [Fact]
    public void ReadingAParameterOrDataValueFailsToo()
    {
        Assert.Contains("parameter 'w'", TraceFails(m => m["w"].Item() > 0 ? m["x"].Sum(1) : m["x"].Sum(1)));
        Assert.Contains("data input 'x'", TraceFails(m => m["x"].ToArray()[0] > 0 ? m["x"].Sum(1) : m["x"].Sum(1)));
    }

    [Fact]
    public void ReadingAConstantOrAShapeIsFine()
    {
        var spec = Trace(m =>
        {
            var scale = m.Session.Scalar(2f);
            var factor = scale.Item() > 1 ? scale : m.Session.Scalar(1f); // not traced: constant
            return (m["x"] * factor).Sum(1) / m["x"].Shape[1];
        });
        Assert.Equal(["mul", "sum", "div", "sum"], spec.Nodes.Select(n => n.Op));
    }

    [Fact]
    public void NoGradInsideTheLossFailsLoudly()
    {
        var message = TraceFails(m =>
        {
            using (m.Session.NoGrad()) return m["x"].MatMul(m["w"]).Sum(1);
        });
        Assert.Contains("op 'matmul' on data input 'x' runs inside NoGrad()", message);
        // Constants alone may be computed under NoGrad: nothing traced is involved.
        Trace(m =>
        {
            Var two;
            using (m.Session.NoGrad()) two = m.Session.Scalar(1f) + 1f;
            return (m["x"].MatMul(m["w"]) * two).Sum(1);
        });
    }

    [Fact]
    public void DropoutFailsLoudly()
    {
        var message = TraceFails(m => Var.Dropout(m["x"].MatMul(m["w"]), 0.5f).Sum(1));
        Assert.Contains("does not capture randomness", message);
        Assert.Contains("dropout", message);
        Assert.Contains("does not capture randomness", TraceFails(m => (m["x"] + m.Session.RandomNormal(4, 3)).Sum(1)));
    }

    [Fact]
    public void AMeanOverTheBatchIsRefusedWithTheWayOut()
    {
        var message = TraceFails(m => m["x"].MatMul(m["w"]).Sum(1).Mean());
        Assert.Contains("op 'div' uses the result of op 'sum' (node 2), a sum over the batch", message);
        Assert.Contains("LossReduction.Mean", message);
    }

    [Fact]
    public void AValuePerExampleBakedInAsAConstantIsRefused()
    {
        // CrossEntropy(logits, int[] labels) makes its label index a constant: labels must be a data input instead.
        var message = TraceFails(m => Var.CrossEntropy(m["x"].MatMul(m["w"]), [0, 1, 1, 0]));
        Assert.Contains("op 'gather' pairs the result of op 'sub'", message);
        Assert.Contains("with a constant of shape [4, 1], whose batch axes differ", message);
        Assert.Contains("must come from a data input", message);
    }

    [Fact]
    public void OpsThatMixExamplesAreRefused()
    {
        Assert.Contains("op 'max' reduces over the batch axis", TraceFails(m => m["x"].MatMul(m["w"]).Max(0).Sum() * m["x"].Sum(1)));
        Assert.Contains("op 'matmul' contracts over the batch axis of the result of op 'permute' (node 0) of shape [3, 4]", TraceFails(m => m["x"].T.MatMul(m["x"]).MatMul(m["w"]).Sum(1)));
        Assert.Contains("op 'norm' takes the norm over every example", TraceFails(m => m["x"].Sum(1) * m["x"].Norm()));
        Assert.Contains("op 'reshape' to [2, 6] moves or merges the batch axis", TraceFails(m => m["x"].Reshape(2, 6).Sum(1)));
        Assert.Contains("pairs different examples", Assert.Throws<InvalidOperationException>(() =>
            GraphTracer.Trace(m => (m["x"] + m["x"].T).Sum(1), [], [new DataSample("x", Tensor.RandomNormal(3, 3, 3))])).Message);
        // The same transpose, moved back, pairs each example with itself: fine.
        Trace(m => (m["x"] + m["x"].T.Reshape(3, 4, 1).Sum(2).T).MatMul(m["w"]).Sum(1));
    }

    [Fact]
    public void TheResultMustBePerExampleLossesOrTheirSum()
    {
        Assert.Contains("shape [4, 2] with the batch on axis 0", TraceFails(m => m["x"].MatMul(m["w"])));
        Assert.Contains("depends on no data input", TraceFails(m => m["w"].Sum()));
        Assert.Contains("depends on no parameter and no data input", TraceFails(m => m.Session.Scalar(1f)));
        Assert.Contains("a scalar was expected", TraceFails(m => m["x"].MatMul(m["w"]).Sum(0)));
    }

    [Fact]
    public void BadSamplesAreRefusedBeforeTracing()
    {
        Assert.Contains("at least 2", Assert.Throws<ArgumentException>(() => GraphTracer.Trace(m => m["x"].Sum(1), W, X(1))).Message);
        Assert.Contains("given twice", Assert.Throws<ArgumentException>(() => GraphTracer.Trace(m => m["x"].Sum(1), W, [new DataSample("w", Tensor.Ones(2, 3))])).Message);
        Assert.Contains("same examples", Assert.Throws<ArgumentException>(() => GraphTracer.Trace(m => m["x"].Sum(1), W,
            [new DataSample("x", Tensor.Ones(4, 3)), new DataSample("y", Tensor.Ones(5, 3))])).Message);
        Assert.Contains("no axis 2", Assert.Throws<ArgumentOutOfRangeException>(() => GraphTracer.Trace(m => m["x"].Sum(1), W, [new DataSample("x", Tensor.Ones(4, 3), 2)])).Message);
        Assert.Contains("'nosuch', which is neither", Assert.Throws<KeyNotFoundException>(() => Trace(m => m["nosuch"])).Message);
    }

    [Fact]
    public void TheTracingSessionLeavesNothingBehind()
    {
        using var session = new Session();
        var x = session.Tensor(Tensor.Ones(2));
        Assert.Equal(2f, x.Sum().Item()); // an ordinary session is not tracing
        Assert.NotNull(session.Random);
    }
}
