using ScottPlot;

namespace ActorGrad.Cli.Pictures;

/// <summary>Draws a <see cref="DerivativeCurve"/> with ScottPlot: both curves labelled, axis labels and a title, as PNG or SVG.</summary>
internal static class FunctionPlot
{
    public const int Width = 900, Height = 560;

    /// <summary>The formats by file extension.</summary>
    public static bool IsSupported(string path) => Path.GetExtension(path).ToLowerInvariant() is ".png" or ".svg";

    public static void Save(DerivativeCurve curve, string path)
    {
        EmbeddedFont.Install();
        var plot = new Plot();
        var f = plot.Add.ScatterLine(curve.X, curve.Y);
        f.LegendText = $"f(x) = {curve.Function.Formula}";
        f.LineWidth = 2;
        var derivative = plot.Add.ScatterLine(curve.X, curve.Derivative);
        derivative.LegendText = "f'(x) by autograd";
        derivative.LineWidth = 2;
        derivative.LinePattern = LinePattern.Dashed;
        plot.Title($"f(x) = {curve.Function.Formula} and its derivative, by ActorGrad's autograd");
        plot.XLabel("x");
        plot.YLabel("y");
        plot.ShowLegend(Edge.Bottom); // below the axes: no corner of a sine is free of curve
        switch (Path.GetExtension(path).ToLowerInvariant())
        {
            case ".png": plot.SavePng(path, Width, Height); break;
            case ".svg": plot.SaveSvg(path, Width, Height); break;
            default: throw new ArgumentException($"--output must end in .png or .svg, not '{Path.GetFileName(path)}'.");
        }
    }
}
