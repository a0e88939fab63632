using System.CommandLine;
using System.Globalization;
using ActorGrad.Cli.Pictures;

namespace ActorGrad.Cli.Commands;

/// <summary>
/// `actorgrad plot`: the seeds' exercise "plot sin(x) and its derivative, computed by autograd, not by cos". Draws a
/// function from a small set and its derivative by autograd (one backward of sum(f(x)) over every point) into a PNG or
/// SVG; a bare `actorgrad plot` writes sin.png into the current folder. Exit codes: 0 written, 1 the file could not be
/// written, 2 bad arguments (one line says why).
/// </summary>
internal static class PlotCommand
{
    public const int Failed = 1;
    public const int BadArguments = 2;

    internal sealed record Arguments(string Function, double? From, double? To, int Points, string? Output);

    public static Command Create()
    {
        var function = new Option<string>("--function") { Description = $"The function: {PlotFunction.Names}.", DefaultValueFactory = _ => "sin" };
        var from = new Option<double?>("--from") { Description = "Left end of the range (default: the function's own)." };
        var to = new Option<double?>("--to") { Description = "Right end of the range (default: the function's own)." };
        var points = new Option<int>("--points") { Description = "Points on the curve.", DefaultValueFactory = _ => 400 };
        var output = new Option<string?>("--output") { Description = "FILE.png or FILE.svg (default: FUNCTION.png in the current folder)." };
        var command = new Command("plot", "Plot a function and its derivative computed by autograd (the seeds' exercise: sin and its derivative, not by cos).")
        {
            function, from, to, points, output,
        };
        command.SetAction(result => Run(new Arguments(result.GetValue(function)!, result.GetValue(from), result.GetValue(to), result.GetValue(points), result.GetValue(output)),
            Console.Out, Console.Error));
        return command;
    }

    internal static int Run(Arguments a, TextWriter output, TextWriter error)
    {
        DerivativeCurve curve;
        string path;
        try
        {
            var function = PlotFunction.Get(a.Function);
            path = a.Output ?? $"{function.Name}.png";
            if (!FunctionPlot.IsSupported(path)) throw new ArgumentException($"--output must end in .png or .svg, not '{Path.GetFileName(path)}'.");
            curve = DerivativeCurve.Compute(function, a.From ?? function.From, a.To ?? function.To, a.Points);
        }
        catch (ArgumentException e)
        {
            error.WriteLine($"actorgrad plot: {e.Message}");
            return BadArguments;
        }
        try
        {
            FunctionPlot.Save(curve, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"actorgrad plot: cannot write '{path}': {e.Message}");
            return Failed;
        }
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"actorgrad plot: f(x) = {curve.Function.Formula} and f'(x) by autograd at {curve.X.Length} points in [{curve.X[0]:G6}, {curve.X[^1]:G6}]: {Path.GetFullPath(path)}"));
        return 0;
    }
}
