using ActorGrad.Nodes;

namespace ActorGrad.Cli.Pictures;

/// <summary>
/// A function `actorgrad plot` draws with its derivative: its name on the command line, its formula for the legend,
/// its definition on Vars (so autograd differentiates it) and a default range.
/// </summary>
internal sealed record PlotFunction(string Name, string Formula, Func<Var, Var> Apply, double From, double To)
{
    /// <summary>The seeds' exercise function f(x) = log(x^2) * sin(x) + 1/x (undefined at 0: its range starts right of it).</summary>
    public static Var Exercise(Var x) => x.Pow(2f).Log() * x.Sin() + 1f / x;

    public static IReadOnlyList<PlotFunction> All { get; } =
    [
        new("sin", "sin(x)", x => x.Sin(), -2 * Math.PI, 2 * Math.PI),
        new("tanh", "tanh(x)", x => x.Tanh(), -4, 4),
        new("sigmoid", "sigmoid(x)", x => x.Sigmoid(), -8, 8),
        new("exercise", "log(x^2)*sin(x) + 1/x", Exercise, 0.5, 8),
    ];

    public static string Names => string.Join(", ", All.Select(f => f.Name));

    public static PlotFunction Get(string name) => All.FirstOrDefault(f => f.Name == name)
        ?? throw new ArgumentException($"--function must be one of {Names}, not '{name}'.");
}
