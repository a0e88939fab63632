using System.Collections.Immutable;
using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes.Specs;
using ActorGrad.Protocol.Specs;
using static ActorGrad.Nodes.Tests.Specs.SpecFixtures;

namespace ActorGrad.Nodes.Tests.Specs;

public class SpecValidatorTests
{
    private static readonly GraphSpec Spirals = SpiralsSpec();
    private static Dictionary<string, Tensor> Parameters() => SpiralsParameters().ToDictionary(p => p.Name, p => p.Value);

    private static SpecRejectedException Rejects(GraphSpec spec, Dictionary<string, Tensor>? parameters = null, Dictionary<string, Tensor>? batch = null, bool checkFinite = false) =>
        Assert.Throws<SpecRejectedException>(() => SpecValidator.Check(spec, parameters ?? Parameters(), batch ?? SpiralsBatch(2), checkFinite));

    private static GraphSpec WithNode(GraphSpec spec, int index, SpecNode node) => spec with { Nodes = spec.Nodes.SetItem(index, node) };

    [Fact]
    public void AGoodSpecPasses()
    {
        Assert.Equal(6, SpecValidator.Check(Spirals, Parameters(), SpiralsBatch(2), checkFinite: true));
        Assert.Equal([], SpecValidator.CheckShapes(Spirals, 1)[Spirals.LossNode]);
    }

    [Fact]
    public void AnUnknownOpIsRejectedWithTheKnownOnes()
    {
        var error = Rejects(WithNode(Spirals, 2, Spirals.Nodes[2] with { Op = "gelu" }));
        Assert.Equal((2, "gelu"), (error.Node, error.Op));
        Assert.Contains("Node 2 uses op 'gelu', which this version's op table does not have", error.Message);
        Assert.Contains("relu", error.Message);
        Assert.Contains("op 'null'", Rejects(WithNode(Spirals, 2, Spirals.Nodes[2] with { Op = null! })).Message.Replace("''", "'null'"));
    }

    [Fact]
    public void AWrongArityIsRejected()
    {
        var error = Rejects(WithNode(Spirals, 2, Spirals.Nodes[2] with { Inputs = [SpecInput.Node(1), SpecInput.Node(0)] }));
        Assert.Equal((2, "relu"), (error.Node, error.Op));
        Assert.Contains("Node 2 ('relu', attributes none) is rejected: it has 2 inputs; 'relu' takes 1", error.Message);
    }

    [Fact]
    public void ReferencesOutOfRangeOrForwardAreRejected()
    {
        Assert.Contains("its input 0 refers to node 5; a node reads only nodes before it (0 to 1)",
            Rejects(WithNode(Spirals, 2, Spirals.Nodes[2] with { Inputs = [SpecInput.Node(5)] })).Message);
        Assert.Contains("refers to parameter 9, but the spec has 4",
            Rejects(WithNode(Spirals, 2, Spirals.Nodes[2] with { Inputs = [SpecInput.Parameter(9)] })).Message);
        Assert.Contains("unknown kind 7",
            Rejects(WithNode(Spirals, 2, Spirals.Nodes[2] with { Inputs = [new SpecInput((SpecInputKind)7, 0)] })).Message);
        Assert.Contains("loss node 99", Rejects(Spirals with { LossNode = 99 }).Message);
        Assert.Contains("loss reduction 5", Rejects(Spirals with { Reduction = (LossReduction)5 }).Message);
    }

    [Fact]
    public void AttributesOutOfRangeOrMisplacedAreRejected()
    {
        var max = Spirals.Nodes[5]; // logsumexp over axis -1, keepDims
        var error = Rejects(WithNode(Spirals, 5, max with { Attributes = max.Attributes with { Axes = [7] } }));
        Assert.Equal((5, "logsumexp"), (error.Node, error.Op));
        Assert.Contains("the shape rule rejects input 0 (node 4 'add') of shape [6, 3] for a batch of 6", error.Message);
        Assert.Contains("axis 7", error.Message);
        Assert.Contains("it takes no axes", Rejects(WithNode(Spirals, 2, Spirals.Nodes[2] with { Attributes = new SpecAttributes(Axes: [0]) })).Message);
        Assert.Contains("it takes no keepDims", Rejects(WithNode(Spirals, 2, Spirals.Nodes[2] with { Attributes = new SpecAttributes(KeepDims: true) })).Message);
        Assert.Contains("it takes no target shape", Rejects(WithNode(Spirals, 5, max with { Attributes = max.Attributes with { Shape = [3] } })).Message);
        var reshape = new SpecNode("reshape", SpecAttributes.None, [SpecInput.Node(4)]);
        Assert.Contains("it needs a target shape", Rejects(WithNode(Spirals, 5, reshape)).Message);
        var permute = new SpecNode("permute", new SpecAttributes(Axes: [0, 0]), [SpecInput.Node(4)]);
        Assert.Contains("are not a permutation for shape [6, 3]", Rejects(WithNode(Spirals, 5, permute)).Message);
        Assert.Contains("it needs axes", Rejects(WithNode(Spirals, 5, permute with { Attributes = SpecAttributes.None })).Message);
    }

    [Fact]
    public void AShapeTheRulesRejectForTheActualShapesIsRejected()
    {
        // The spec declares w1 [5, 16]: x [n, 2] cannot be multiplied by it.
        var spec = Spirals with { Parameters = Spirals.Parameters.SetItem(0, new SpecParameter("w1", [5, 16])) };
        var parameters = Parameters();
        parameters["w1"] = Tensor.Zeros(5, 16);
        var error = Rejects(spec, parameters);
        Assert.Equal((0, "matmul"), (error.Node, error.Op));
        Assert.Contains("input 0 (data input 'x') of shape [6, 2], input 1 (parameter 'w1') of shape [5, 16]", error.Message);
        Assert.Contains("cannot be multiplied", error.Message);
    }

    [Fact]
    public void AShapeIsCheckedForTheShardsSize()
    {
        // x [n, 2] + a constant [3, 1]: the shape rule refuses it for n = 2, the batch rule for any n (a constant per example).
        var spec = Spirals with
        {
            Constants = [new SpecTensor(Tensor.Ones(3, 1))],
            Nodes = Spirals.Nodes.SetItem(0, new SpecNode("add", SpecAttributes.None, [SpecInput.Data(0), SpecInput.Constant(0)]))
                .SetItem(1, new SpecNode("matmul", SpecAttributes.None, [SpecInput.Node(0), SpecInput.Parameter(0)]))
                .Insert(2, new SpecNode("add", SpecAttributes.None, [SpecInput.Node(1), SpecInput.Parameter(1)])),
        };
        spec = spec with { Nodes = spec.Nodes.RemoveAt(3), LossNode = spec.LossNode };
        Assert.Contains("the shape rule rejects input 0 (data input 'x') of shape [2, 2], input 1 (constant 0) of shape [3, 1] for a batch of 2",
            Assert.Throws<SpecRejectedException>(() => SpecValidator.CheckShapes(spec, 2)).Message);
        Assert.Contains("a value per example must come from a data input",
            Assert.Throws<SpecRejectedException>(() => SpecValidator.CheckShapes(spec, 3)).Message);
        Assert.Contains("lines up axis 0 of input 1 (constant 0) of shape [3, 1] with the batch axis of input 0 (data input 'x') of shape [1, 2]",
            Assert.Throws<SpecRejectedException>(() => SpecValidator.CheckShapes(spec, 1)).Message);
    }

    [Fact]
    public void ASpecThatMixesExamplesIsRejected()
    {
        // Sum over the batch inside the graph, then a product: shards would not add up.
        var spec = Spirals with
        {
            Nodes = Spirals.Nodes.Insert(1, new SpecNode("sum", new SpecAttributes(Axes: [0], KeepDims: true), [SpecInput.Node(0)]))
                .SetItem(2, new SpecNode("add", SpecAttributes.None, [SpecInput.Node(1), SpecInput.Parameter(1)])),
            LossNode = Spirals.LossNode + 1,
        };
        var error = Rejects(spec);
        Assert.Contains("Node 2 ('add', attributes none) is rejected: its input 0 (node 1) is a sum over the batch", error.Message);
        var notSummed = Spirals with { LossNode = Spirals.LossNode - 2 };
        Assert.Equal("Node 8 ('sum', attributes axes [1]) is rejected: it is the loss node, which must be a scalar sum over the batch's examples; it has shape [6] and does not sum over the batch.", Rejects(notSummed).Message);
    }

    [Fact]
    public void MissingOrMisshapenValuesAreRejected()
    {
        var parameters = Parameters();
        parameters.Remove("b2");
        Assert.Contains("The value of parameter 'b2' ([3]) is missing", Rejects(Spirals, parameters).Message);
        parameters = Parameters();
        parameters["b2"] = Tensor.Zeros(4);
        Assert.Contains("Parameter 'b2' has shape [4]; the spec declares [3]", Rejects(Spirals, parameters).Message);
        parameters = Parameters();
        parameters["extra"] = Tensor.Zeros(1);
        Assert.Contains("no parameter named 'extra'", Rejects(Spirals, parameters).Message);

        var batch = SpiralsBatch(2);
        batch.Remove("y");
        Assert.Contains("Data input 'y' (example [3], batch axis 0) is missing", Rejects(Spirals, batch: batch).Message);
        batch = SpiralsBatch(2);
        batch["x"] = Tensor.Zeros(6, 3);
        Assert.Contains("Data input 'x' has shape [6, 3]; the spec expects [n, 2] with n examples on axis 0", Rejects(Spirals, batch: batch).Message);
        batch = SpiralsBatch(2);
        batch["y"] = Tensor.Zeros(5, 3);
        Assert.Contains("Data input 'y' holds 5 examples, data input 'x' 6", Rejects(Spirals, batch: batch).Message);
        batch = SpiralsBatch(2);
        batch["x"] = Tensor.Zeros(0, 2);
        batch["y"] = Tensor.Zeros(0, 3);
        Assert.Contains("A batch of 0 examples cannot run", Rejects(Spirals, batch: batch).Message);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void NonFiniteDataIsRejectedWhenAsked(float bad)
    {
        var batch = SpiralsBatch(2);
        batch["x"][4, 1] = bad;
        Assert.Equal(6, SpecValidator.Check(Spirals, Parameters(), batch)); // not asked: it runs (a NaN loss is an answer too)
        var error = Rejects(Spirals, batch: batch, checkFinite: true);
        Assert.Contains($"Data input 'x' holds {bad} at flat index 9 (shape [6, 2])", error.Message);
    }

    [Fact]
    public void StructuralFaultsAreRejected()
    {
        Assert.Contains("format version 3", Rejects(Spirals with { FormatVersion = 3 }).Message);
        Assert.Contains("default array", Rejects(Spirals with { Nodes = default }).Message);
        Assert.Contains("no data input", Rejects(Spirals with { DataInputs = [] }).Message);
        Assert.Contains("The name 'x' is used twice", Rejects(Spirals with { Parameters = Spirals.Parameters.SetItem(0, new SpecParameter("x", [2, 16])) }).Message);
        Assert.Contains("puts its batch axis at 3", Rejects(Spirals with { DataInputs = Spirals.DataInputs.SetItem(0, new SpecDataInput("x", [2], 3)) }).Message);
        Assert.Contains("negative, too many dimensions", Rejects(Spirals with { Parameters = Spirals.Parameters.SetItem(1, new SpecParameter("b1", [-1])) }).Message);
        Assert.Contains("no nodes", Rejects(Spirals with { Nodes = [] }).Message);
        Assert.Contains("Node 3 is null", Rejects(WithNode(Spirals, 3, null!)).Message);
    }

    [Fact]
    public void TheRunnerChecksBeforeItBuildsAnything()
    {
        using var session = new Session();
        var live = session.LiveNodeCount;
        var bad = WithNode(Spirals, 2, Spirals.Nodes[2] with { Op = "gelu" });
        Assert.Throws<SpecRejectedException>(() => SpecRunner.Run(session, bad, Parameters(), SpiralsBatch(2)));
        Assert.Equal(live, session.LiveNodeCount);
        Assert.True(float.IsFinite(SpecRunner.Run(session, Spirals, Parameters(), SpiralsBatch(2)).Loss)); // the session still serves
    }
}
