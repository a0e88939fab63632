using System.Globalization;
using ActorGrad.Nodes;

namespace ActorGrad.Cli.Pictures;

/// <summary>
/// A function and its derivative on evenly spaced points. The derivative comes from autograd, never from a formula:
/// the points form one vector x, and one backward of sum(f(x)) gives f'(x) at every point at once (f acts on each
/// element alone, so d sum(f(x)) / dx_i = f'(x_i)).
/// </summary>
internal sealed record DerivativeCurve(PlotFunction Function, double[] X, double[] Y, double[] Derivative)
{
    public const int MaxPoints = 1_000_000;

    public static DerivativeCurve Compute(PlotFunction function, double from, double to, int points)
    {
        if (!double.IsFinite(from) || !double.IsFinite(to) || from >= to)
            throw new ArgumentException($"--from must be less than --to, both finite; got {Format(from)} and {Format(to)}.");
        if (points is < 2 or > MaxPoints)
            throw new ArgumentException($"--points must be 2 to {MaxPoints:N0}, not {points}.");
        var xs = new float[points];
        for (var i = 0; i < points; i++) xs[i] = (float)(from + (to - from) * i / (points - 1));

        using var session = new Session();
        var x = session.Tensor(xs, points).RequiresGrad();
        var y = function.Apply(x);
        y.Sum().Backward();
        var values = y.ToArray();
        var derivative = x.Grad!.ToArray();
        for (var i = 0; i < points; i++)
            if (!float.IsFinite(values[i]) || !float.IsFinite(derivative[i]))
                throw new ArgumentException($"f(x) = {function.Formula} or its derivative is not finite at x = {Format(xs[i])}; choose a range where both are defined.");
        return new DerivativeCurve(function, [.. xs.Select(v => (double)v)], [.. values.Select(v => (double)v)], [.. derivative.Select(v => (double)v)]);
    }

    private static string Format(double value) => value.ToString("G6", CultureInfo.InvariantCulture);
}
