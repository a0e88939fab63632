using System.Diagnostics;
using System.Xml.Linq;
using ActorGrad.Cli.Commands;
using ActorGrad.Cli.Pictures;

namespace ActorGrad.Cli.Tests;

/// <summary>`actorgrad plot`: the derivative comes from autograd and equals the hand-derived one; the files are real pictures; bad options exit 2.</summary>
public sealed class PlotCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("actorgrad-plot-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void The_derivative_of_sin_by_autograd_is_cos_within_1e_5()
    {
        var curve = DerivativeCurve.Compute(PlotFunction.Get("sin"), -2 * Math.PI, 2 * Math.PI, 1001);
        Assert.Equal(1001, curve.X.Length);
        for (var i = 0; i < curve.X.Length; i++)
        {
            Assert.Equal(Math.Sin(curve.X[i]), curve.Y[i], 1e-5);
            Assert.Equal(Math.Cos(curve.X[i]), curve.Derivative[i], 1e-5);
        }
    }

    [Theory]
    [InlineData("tanh")]
    [InlineData("sigmoid")]
    [InlineData("exercise")]
    public void Every_function_s_derivative_matches_its_hand_derived_one(string name)
    {
        var function = PlotFunction.Get(name);
        var curve = DerivativeCurve.Compute(function, function.From, function.To, 301);
        for (var i = 0; i < curve.X.Length; i++)
        {
            var x = curve.X[i];
            var expected = name switch
            {
                "tanh" => 1 - Math.Tanh(x) * Math.Tanh(x),
                "sigmoid" => Math.Exp(-x) / ((1 + Math.Exp(-x)) * (1 + Math.Exp(-x))),
                // d/dx [log(x^2) sin(x) + 1/x] = 2 sin(x)/x + log(x^2) cos(x) - 1/x^2
                _ => 2 * Math.Sin(x) / x + Math.Log(x * x) * Math.Cos(x) - 1 / (x * x),
            };
            Assert.Equal(expected, curve.Derivative[i], 1e-4 * Math.Max(1, Math.Abs(expected)));
        }
    }

    [Fact]
    public void Plot_writes_a_png_of_the_stated_size()
    {
        var path = Path.Combine(_directory, "sin.png");
        var output = new StringWriter();
        Assert.Equal(0, PlotCommand.Run(new PlotCommand.Arguments("sin", null, null, 200, path), output, new StringWriter()));
        Assert.Contains("f(x) = sin(x)", output.ToString());
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
        Assert.Equal(FunctionPlot.Width, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)));
        Assert.Equal(FunctionPlot.Height, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
    }

    [Fact]
    public void Plot_writes_an_svg_with_both_curves_labelled_axis_labels_and_a_title()
    {
        var path = Path.Combine(_directory, "tanh.svg");
        Assert.Equal(0, PlotCommand.Run(new PlotCommand.Arguments("tanh", -3, 3, 100, path), new StringWriter(), new StringWriter()));
        var svg = XDocument.Load(path);
        Assert.Equal("svg", svg.Root!.Name.LocalName);
        var texts = svg.Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value.Trim()).ToList();
        Assert.Contains("f(x) = tanh(x)", texts);
        Assert.Contains("f'(x) by autograd", texts);
        Assert.Contains("x", texts);
        Assert.Contains("y", texts);
        Assert.Contains(texts, t => t.StartsWith("f(x) = tanh(x) and its derivative", StringComparison.Ordinal));
        // Two curves in two colours, each a path of at least one vertex per point (the dashed one comes as filled dashes).
        var curveColours = svg.Descendants()
            .Where(e => e.Name.LocalName == "path" && ((string?)e.Attribute("d"))?.Count(c => c == 'L') >= 99)
            .Select(e => (string?)e.Attribute("stroke") ?? (string?)e.Attribute("fill"))
            .Distinct().ToList();
        Assert.Equal(2, curveColours.Count);
    }

    [Fact]
    public async Task A_bare_plot_writes_sin_png_into_the_current_folder()
    {
        // A process of its own: the current folder is the process's, and the tests of this assembly run in parallel.
        var actorgrad = Path.Combine(AppContext.BaseDirectory, "actorgrad.dll");
        var start = new ProcessStartInfo("dotnet") { ArgumentList = { actorgrad, "plot" }, WorkingDirectory = _directory, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60 * TimeFactor));
        try { await process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException) { process.Kill(entireProcessTree: true); throw; }
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {await stdout} {await stderr}");
        Assert.True(File.Exists(Path.Combine(_directory, "sin.png")), await stdout);
    }

    private static double TimeFactor => double.TryParse(Environment.GetEnvironmentVariable("ACTORGRAD_TEST_TIME_FACTOR"), System.Globalization.CultureInfo.InvariantCulture, out var f) && f >= 1 ? f : 1;

    [Theory]
    [InlineData("cos", null, null, 100, "x.png", "--function must be one of sin, tanh, sigmoid, exercise, not 'cos'")]
    [InlineData("sin", 3.0, 1.0, 100, "x.png", "--from must be less than --to")]
    [InlineData("sin", null, null, 1, "x.png", "--points must be 2 to")]
    [InlineData("sin", null, null, 100, "x.jpg", "--output must end in .png or .svg, not 'x.jpg'")]
    [InlineData("exercise", -1.0, 1.0, 101, "x.png", "not finite at x = 0")]
    public void Bad_options_exit_2_with_one_line_saying_why(string function, double? from, double? to, int points, string output, string reason)
    {
        var error = new StringWriter();
        var path = Path.Combine(_directory, output);
        Assert.Equal(PlotCommand.BadArguments, PlotCommand.Run(new PlotCommand.Arguments(function, from, to, points, path), new StringWriter(), error));
        Assert.StartsWith("actorgrad plot: ", error.ToString());
        Assert.Contains(reason, error.ToString());
        Assert.False(File.Exists(path)); // nothing half-written
    }

    [Fact]
    public void An_unwritable_output_exits_1()
    {
        var error = new StringWriter();
        var path = Path.Combine(_directory, "no-such-folder", "sin.png");
        Assert.Equal(PlotCommand.Failed, PlotCommand.Run(new PlotCommand.Arguments("sin", null, null, 50, path), new StringWriter(), error));
        Assert.Contains("cannot write", error.ToString());
    }

    [Fact]
    public async Task Parse_errors_exit_2_as_well()
    {
        Assert.Equal(2, await Program.Main(["plot", "--points", "many"]));
        Assert.Equal(2, await Program.Main(["plot", "--no-such-option"]));
    }
}
