using ActorGrad.Nodes;

namespace ActorGrad.Cli.Pictures;

/// <summary>
/// An expression `actorgrad graph` records and draws: its name on the command line, its formula, and how it is built
/// on a leaf x (a scalar at the point --at), as the seeds write it.
/// </summary>
internal sealed record GraphExpression(string Name, string Formula, Func<Var, Var> Build, string Input = "x")
{
    public static IReadOnlyList<GraphExpression> All { get; } =
    [
        // The seeds' exercise 5: its dependency graph; with --gradients, exercise 6's chain-rule terms on it.
        new("exercise", "f(x) = log(x^2)*sin(x) + 1/x", PlotFunction.Exercise),
        // The seeds' "Detaching Computation": u = detach(x*x), z = u*x; the gradient does not flow back through u.
        new("detach", "y = x*x; u = detach(y); z = u*x", x =>
        {
            var y = x * x;
            var u = y.Detach();
            return u * x;
        }),
        // The logistic function as its composite of primitives (exp, add, div): four nodes, not one.
        new("logistic", "f(x) = 1/(1 + exp(-x))", x => 1f / (1f + (-x).Exp())),
        // The seeds' control flow: the graph records the path the values took (one mul per doubling).
        new("control", "b = 2a; while |b| < 1000: b = 2b; c = b if b > 0 else 100b", a =>
        {
            if (a.Item() == 0f) throw new ArgumentException("the control expression loops forever at a = 0 (b stays 0 < 1000); choose --at other than 0.");
            var b = a * 2f;
            while (b.Abs().Item() < 1000f) b = b * 2f;
            return b.Item() > 0f ? b : 100f * b;
        }, Input: "a"),
    ];

    public static string Names => string.Join(", ", All.Select(e => e.Name));

    public static GraphExpression Get(string name) => All.FirstOrDefault(e => e.Name == name)
        ?? throw new ArgumentException($"--expression must be one of {Names}, not '{name}'.");
}
