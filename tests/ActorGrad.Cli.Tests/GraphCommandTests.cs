using System.Text.RegularExpressions;
using ActorGrad.Cli.Commands;
using ActorGrad.Cli.Pictures;
using ActorGrad.Cli.Training;
using ActorGrad.Protocol.Serialization;

namespace ActorGrad.Cli.Tests;

/// <summary>`actorgrad graph`: the DOT text of the seeds' exercise graph, its chain-rule terms, detach cuts, traced models, bad options.</summary>
public sealed class GraphCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("actorgrad-graph-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private sealed record Dot(Dictionary<string, string> Labels, List<(string From, string To, string Attributes)> Edges)
    {
        public string Label(string node) => Labels[node];
        /// <summary>The edges as "from-label -> to-label", first lines of the labels.</summary>
        public List<string> Named => Edges.Select(e => $"{Labels[e.From].Split('\n')[0]} -> {Labels[e.To].Split('\n')[0]}").Order().ToList();
    }

    private static Dot Parse(string text)
    {
        var labels = Regex.Matches(text, @"^  (n\d+) \[label=""((?:[^""\\]|\\.)*)""", RegexOptions.Multiline)
            .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value.Replace("\\n", "\n").Replace("\\\"", "\""));
        var edges = Regex.Matches(text, @"^  (n\d+) -> (n\d+)(?: \[(.*)\])?;$", RegexOptions.Multiline)
            .Select(m => (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value)).ToList();
        return new Dot(labels, edges);
    }

    [Fact]
    public void The_exercise_graph_has_one_box_per_node_actor_with_op_and_shape_and_its_forward_edges()
    {
        var output = new StringWriter();
        Assert.Equal(0, GraphCommand.Run(new GraphCommand.Arguments(null, null, 2f, false, null), output, new StringWriter()));
        var dot = Parse(output.ToString());
        Assert.StartsWith("digraph actorgrad {", output.ToString());
        // x, the six op nodes of log(x^2)*sin(x) + 1/x, and the constants 2 and 1.
        Assert.Equal(9, dot.Labels.Count);
        Assert.Equal(["1", "2", "add\nscalar", "div\nscalar", "log\nscalar", "mul\nscalar", "pow\nscalar", "sin\nscalar", "x (leaf)\nscalar"], dot.Labels.Values.Order());
        Assert.Equal(
            ["1 -> div", "2 -> pow", "div -> add", "log -> mul", "mul -> add", "pow -> log", "sin -> mul", "x (leaf) -> div", "x (leaf) -> pow", "x (leaf) -> sin"],
            dot.Named);
        Assert.DoesNotContain("dashed, color=red", output.ToString()); // no detach in it
        Assert.Contains("peripheries=2", output.ToString().Split('\n').Single(l => l.Contains("label=\"add")));
    }

    [Fact]
    public void With_gradients_each_edge_carries_its_local_derivative_and_the_chain_rule_over_them_is_df_dx()
    {
        var drawing = GraphCommand.Draw(new GraphCommand.Arguments("exercise", null, 2f, true, null));
        const double x = 2;
        var expected = 2 * Math.Sin(x) / x + Math.Log(x * x) * Math.Cos(x) - 1 / (x * x); // 0.08239...
        Assert.Equal(expected, drawing.ChainRule!.Value, 1e-5);
        Assert.Equal(expected, drawing.Autograd!.Value, 1e-5);

        var dot = Parse(drawing.Dot);
        string EdgeLabel(string from, string to) =>
            Regex.Match(dot.Edges.Single(e => dot.Labels[e.From].StartsWith(from) && dot.Labels[e.To].StartsWith(to)).Attributes, @"label=""∂ ([^""]*)""").Groups[1].Value;
        Assert.Equal("4", EdgeLabel("x", "pow"));             // d(x^2)/dx = 2x
        Assert.Equal("0.25", EdgeLabel("pow", "log"));        // d log(u)/du = 1/u, u = 4
        Assert.Equal("-0.41615", EdgeLabel("x", "sin"));      // cos(2)
        Assert.Equal("0.9093", EdgeLabel("log", "mul"));      // the other factor, sin(2)
        Assert.Equal("1.3863", EdgeLabel("sin", "mul"));      // the other factor, log(4)
        Assert.Equal("-0.25", EdgeLabel("x", "div"));         // d(1/x)/dx = -1/x^2
        Assert.Equal("", EdgeLabel("2", "pow"));              // a constant takes no gradient: no term
        Assert.Contains("∂f/∂v = 0.082395", dot.Labels.Values.Single(l => l.StartsWith("x (leaf)")));
    }

    [Fact]
    public void A_detach_shows_as_a_cut_edge()
    {
        var output = new StringWriter();
        Assert.Equal(0, GraphCommand.Run(new GraphCommand.Arguments("detach", null, 3f, false, null), output, new StringWriter()));
        var dot = Parse(output.ToString());
        var cut = Assert.Single(dot.Edges, e => e.Attributes.Contains("label=\"detach\""));
        Assert.Contains("style=dashed", cut.Attributes);
        Assert.StartsWith("mul", dot.Label(cut.From)); // y = x*x, cut off ...
        Assert.StartsWith("mul", dot.Label(cut.To));   // ... from z = u*x
        Assert.Equal(["mul -> mul", "x (leaf) -> mul", "x (leaf) -> mul", "x (leaf) -> mul"], dot.Named);

        // The chain rule stops at the cut: dz/dx = u = x^2 = 9, not 3x^2.
        var drawing = GraphCommand.Draw(new GraphCommand.Arguments("detach", null, 3f, true, null));
        Assert.Equal(9, drawing.ChainRule!.Value, 1e-5);
        Assert.Equal(9, drawing.Autograd!.Value, 1e-5);
    }

    [Fact]
    public void The_control_flow_graph_records_the_path_taken()
    {
        // a = 2: b = 4, doubled 8 times to 1024, positive: a mul by 2, eight more muls.
        var dot = Parse(GraphCommand.Draw(new GraphCommand.Arguments("control", null, 2f, false, null)).Dot);
        Assert.Equal(9, dot.Labels.Values.Count(l => l.StartsWith("mul")));
        // a = -2: the last branch multiplies by 100 once more.
        dot = Parse(GraphCommand.Draw(new GraphCommand.Arguments("control", null, -2f, false, null)).Dot);
        Assert.Equal(10, dot.Labels.Values.Count(l => l.StartsWith("mul")));
    }

    [Fact]
    public void A_traced_model_draws_its_parameters_data_and_ops_with_the_batch_axis_as_B()
    {
        var drawing = GraphCommand.Draw(new GraphCommand.Arguments(null, "logreg", 2f, false, null));
        var dot = Parse(drawing.Dot);
        Assert.Contains("w (leaf)\n[2, 3]", dot.Labels.Values);
        Assert.Contains("b (leaf)\n[3]", dot.Labels.Values);
        Assert.Contains("x (data)\n[B, 2]", dot.Labels.Values);
        Assert.Contains("y (data)\n[B, 3]", dot.Labels.Values);
        Assert.Contains("matmul\n[B, 3]", dot.Labels.Values);
        Assert.Contains("x (data) -> matmul", dot.Named);
        Assert.Contains("w (leaf) -> matmul", dot.Named);
        Assert.Equal("sum\nscalar", dot.Labels[Regex.Match(drawing.Dot, @"(n\d+) \[[^\]]*peripheries=2").Groups[1].Value]);
    }

    [Fact]
    public void A_spec_file_is_drawn_as_the_model_it_holds()
    {
        var model = TrainingModel.Create("mlp", TrainingData.Load("spirals", 7), hidden: 5, seed: 7);
        var path = Path.Combine(_directory, "mlp.spec");
        File.WriteAllBytes(path, WireCodec.Encode(model.Spec));
        var output = new StringWriter();
        var file = Path.Combine(_directory, "mlp.dot");
        Assert.Equal(0, GraphCommand.Run(new GraphCommand.Arguments(null, path, 2f, false, file), output, new StringWriter()));
        Assert.Contains($"{model.Spec.Nodes.Length + 4 + 2 + model.Spec.Constants.Length} nodes", output.ToString());
        var dot = Parse(File.ReadAllText(file));
        Assert.Contains("w1 (leaf)\n[2, 5]", dot.Labels.Values);
        Assert.Contains("relu\n[B, 5]", dot.Labels.Values);
        Assert.Equal(model.Spec.Nodes.Sum(n => n.Inputs.Length), dot.Edges.Count);
    }

    [Fact]
    public void Svg_is_made_by_graphviz_where_it_is_installed_and_refused_clearly_where_not()
    {
        var path = Path.Combine(_directory, "exercise.svg");
        var error = new StringWriter();
        var code = GraphCommand.Run(new GraphCommand.Arguments(null, null, 2f, false, path), new StringWriter(), error);
        if (Graphviz.Find() is null)
        {
            Assert.Equal(GraphCommand.Failed, code);
            Assert.Contains("needs Graphviz's dot", error.ToString());
            Assert.False(File.Exists(path));
        }
        else
        {
            Assert.True(code == 0, error.ToString());
            var svg = System.Xml.Linq.XDocument.Load(path);
            Assert.Equal("svg", svg.Root!.Name.LocalName);
            Assert.Equal(9, svg.Descendants().Count(e => e.Name.LocalName == "g" && (string?)e.Attribute("class") == "node"));
        }
    }

    [Theory]
    [InlineData("nope", null, false, null, "--expression must be one of exercise, detach, logistic, control, not 'nope'")]
    [InlineData("exercise", "mlp", false, null, "give one of them")]
    [InlineData(null, "mlp", true, null, "--gradients labels the graph of an --expression")]
    [InlineData(null, "resnet", false, null, "--model must be mlp, logreg or a .spec file, not 'resnet'")]
    [InlineData(null, "missing.spec", false, null, "does not exist")]
    [InlineData(null, null, false, "graph.png", "--output must end in .dot or .svg, not 'graph.png'")]
    public void Bad_options_exit_2_with_one_line_saying_why(string? expression, string? model, bool gradients, string? output, string reason)
    {
        var error = new StringWriter();
        Assert.Equal(GraphCommand.BadArguments, GraphCommand.Run(new GraphCommand.Arguments(expression, model, 2f, gradients, output), new StringWriter(), error));
        Assert.StartsWith("actorgrad graph: ", error.ToString());
        Assert.Contains(reason, error.ToString());
    }

    [Fact]
    public void The_control_expression_refuses_the_point_where_it_never_ends_and_a_file_that_is_no_spec()
    {
        var error = new StringWriter();
        Assert.Equal(GraphCommand.BadArguments, GraphCommand.Run(new GraphCommand.Arguments("control", null, 0f, false, null), new StringWriter(), error));
        Assert.Contains("loops forever at a = 0", error.ToString());

        var junk = Path.Combine(_directory, "junk.spec");
        File.WriteAllText(junk, "not a spec");
        error = new StringWriter();
        Assert.Equal(GraphCommand.BadArguments, GraphCommand.Run(new GraphCommand.Arguments(null, junk, 0f, false, null), new StringWriter(), error));
        Assert.Contains("is not a graph spec", error.ToString());
    }

    [Fact]
    public async Task Parse_errors_exit_2_as_well()
    {
        Assert.Equal(2, await Program.Main(["graph", "--at", "two"]));
    }
}
