using System.CommandLine;
using System.Globalization;
using ActorGrad.Cli.Pictures;
using ActorGrad.Cli.Training;
using ActorGrad.Nodes;
using ActorGrad.Nodes.Specs;

namespace ActorGrad.Cli.Commands;

/// <summary>
/// `actorgrad graph`: the recorded graph of an expression (the seeds' exercise 5 by default: f(x) = log(x^2)*sin(x) + 1/x)
/// or of a traced model, as Graphviz DOT (printed, or written to FILE.dot) or SVG (FILE.svg, where Graphviz's dot is
/// installed): one box per node actor with its op and shape, forward edges, detach cuts as dashed edges. With
/// --gradients (exercise 6), each edge carries its local derivative at x = --at and each node its adjoint df/dnode,
/// the chain rule's terms on the graph. Exit codes: 0 done, 1 the picture could not be made (no dot, a write failed),
/// 2 bad arguments (one line says why).
/// </summary>
internal static class GraphCommand
{
    public const int Failed = 1;
    public const int BadArguments = 2;

    internal sealed record Arguments(string? Expression, string? Model, float At, bool Gradients, string? Output, int Hidden = 8);

    /// <summary>What was drawn: the DOT text and, for an expression with gradients, df/dx by the graph's chain rule and by autograd.</summary>
    internal sealed record Drawing(string Dot, string Description, int Nodes, int Edges, double? ChainRule = null, double? Autograd = null);

    public static Command Create()
    {
        var expression = new Option<string?>("--expression") { Description = $"The expression to record at x = --at: {GraphExpression.Names} (default: exercise)." };
        var model = new Option<string?>("--model") { Description = "A traced model instead: mlp, logreg or FILE.spec (a spec on our wire)." };
        var at = new Option<float>("--at") { Description = "The point x the expression is recorded at.", DefaultValueFactory = _ => 2f };
        var gradients = new Option<bool>("--gradients") { Description = "Label each edge with its local derivative at x and each node with df/dnode (the chain rule's terms)." };
        var hidden = new Option<int>("--hidden") { Description = "Hidden units of --model mlp.", DefaultValueFactory = _ => 8 };
        var output = new Option<string?>("--output") { Description = "FILE.dot, or FILE.svg (needs Graphviz's dot); default: print the DOT text." };
        var command = new Command("graph", "Draw the recorded graph of an expression or a model (the seeds' exercises 5 and 6) as Graphviz DOT or SVG.")
        {
            expression, model, at, gradients, hidden, output,
        };
        command.SetAction(result => Run(new Arguments(result.GetValue(expression), result.GetValue(model), result.GetValue(at), result.GetValue(gradients),
            result.GetValue(output), result.GetValue(hidden)), Console.Out, Console.Error));
        return command;
    }

    internal static int Run(Arguments a, TextWriter output, TextWriter error)
    {
        Drawing drawing;
        string? dotExecutable = null;
        try
        {
            if (a.Output is { } path)
            {
                var extension = Path.GetExtension(path).ToLowerInvariant();
                if (extension is not (".dot" or ".svg")) throw new ArgumentException($"--output must end in .dot or .svg, not '{Path.GetFileName(path)}'.");
                if (extension == ".svg" && (dotExecutable = Graphviz.Find()) is null)
                {
                    error.WriteLine("actorgrad graph: an SVG needs Graphviz's dot, which is not installed here (apt-get install graphviz); write --output FILE.dot instead, or leave --output out to print the DOT text.");
                    return Failed;
                }
            }
            drawing = Draw(a);
        }
        catch (Exception e) when (e is ArgumentException or SpecRejectedException)
        {
            error.WriteLine($"actorgrad graph: {e.Message}");
            return BadArguments;
        }

        if (a.Output is null)
        {
            output.Write(drawing.Dot);
            return 0;
        }
        try
        {
            if (dotExecutable is not null) Graphviz.RenderSvg(dotExecutable, drawing.Dot, a.Output, TimeSpan.FromSeconds(60));
            else File.WriteAllText(a.Output, drawing.Dot);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
        {
            error.WriteLine($"actorgrad graph: cannot write '{a.Output}': {e.Message}");
            return Failed;
        }
        var summary = $"actorgrad graph: {drawing.Description}: {drawing.Nodes} nodes, {drawing.Edges} edges";
        if (drawing.ChainRule is { } chain && drawing.Autograd is { } autograd)
            summary += string.Create(CultureInfo.InvariantCulture, $"; df/dx at x = {a.At:G6} by the chain rule on the graph {chain:G6}, by autograd {autograd:G6}");
        output.WriteLine($"{summary}: {Path.GetFullPath(a.Output)}");
        return 0;
    }

    /// <summary>Records the expression or traces the model and draws it (no file written).</summary>
    internal static Drawing Draw(Arguments a)
    {
        if (a.Expression is not null && a.Model is not null) throw new ArgumentException("--expression and --model draw different things; give one of them.");
        if (a.Model is not null)
        {
            if (a.Gradients) throw new ArgumentException("--gradients labels the graph of an --expression at a point x; a model's edges carry Jacobians, not numbers.");
            var spec = a.Model switch
            {
                "mlp" or "logreg" => TrainingModel.Create(a.Model, TrainingData.Load("spirals", 7), a.Hidden, 7).Spec,
                _ when a.Model.EndsWith(".spec", StringComparison.OrdinalIgnoreCase) => TrainingModel.ReadSpec(a.Model),
                _ => throw new ArgumentException($"--model must be mlp, logreg or a .spec file, not '{a.Model}'."),
            };
            var name = a.Model is "mlp" or "logreg" ? a.Model : Path.GetFileName(a.Model);
            var (view, labels) = SpecGraph.Of(spec, $"{name}: the traced loss ({spec.Nodes.Length} ops), batch of B examples");
            return new Drawing(DotWriter.Write(view, labels), $"model {name}", view.Nodes.Length, view.Edges.Length);
        }

        var expression = GraphExpression.Get(a.Expression ?? "exercise");
        if (!float.IsFinite(a.At)) throw new ArgumentException($"--at must be a finite number, not {a.At}.");
        using var session = new Session();
        var x = session.Scalar(a.At).RequiresGrad();
        var root = expression.Build(x);
        var graph = GraphView.Of(root, withGradients: a.Gradients);
        var names = graph.Nodes.Where(n => n.Kind == GraphViewKind.Leaf).ToDictionary(n => n.Id, _ => expression.Input);
        var title = $"{expression.Formula}" + (a.Gradients ? string.Create(CultureInfo.InvariantCulture, $" at {expression.Input} = {a.At:G6}: local derivatives on the edges, ∂f/∂v in the boxes") : "");
        if (!a.Gradients) return new Drawing(DotWriter.Write(graph, new DotLabels(title) { Names = names }), $"expression {expression.Name}", graph.Nodes.Length, graph.Edges.Length);

        var adjoints = ChainRule.Adjoints(graph);
        var input = names.Keys.Single();
        double? autograd = null;
        if (root.RequiresGradient)
        {
            root.Backward();
            autograd = x.Grad?.Item() ?? 0;
        }
        return new Drawing(DotWriter.Write(graph, new DotLabels(title) { Names = names, Adjoints = adjoints }), $"expression {expression.Name}",
            graph.Nodes.Length, graph.Edges.Length, adjoints[input], autograd);
    }
}
