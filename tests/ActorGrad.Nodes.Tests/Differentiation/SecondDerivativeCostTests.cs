using ActorGrad.Engine.Tensors;
using Akka.Actor;
using Xunit.Abstractions;

namespace ActorGrad.Nodes.Tests.Differentiation;

/// <summary>
/// The seeds' exercise "why is the second derivative much more expensive to compute than the first
/// derivative?", answered by counting: node actors and messages of the forward pass, of a first
/// derivative (plain, and recorded with createGraph) and of the second derivative, for
/// f(x) = log(x^2) sin(x) + 1/x. Run it with the console logger to see the table:
/// <c>dotnet test tests/ActorGrad.Nodes.Tests -c Release --filter SecondDerivativeCost --logger "console;verbosity=detailed"</c>.
/// </summary>
public sealed class SecondDerivativeCostTests(ITestOutputHelper output) : IDisposable
{
    private readonly ActorSystem _system = ActorSystem.Create("second-derivative-cost", CountingNodeMailbox.SystemConfig);

    public void Dispose() => _system.Terminate().Wait(TimeSpan.FromSeconds(30));

    private sealed record Phase(string Name, long Nodes, long Messages, Dictionary<string, long> ByType);

    private static Phase Measure(string name)
    {
        var counts = CountingNodeMailbox.TakeCounts();
        var nodes = counts.GetValueOrDefault("OpNode") + counts.GetValueOrDefault("LeafNode");
        return new Phase(name, nodes, counts.Values.Sum(), counts);
    }

    [Fact]
    public void SecondDerivativeCostCountedInNodeActorsAndMessages()
    {
        using var s = new Session(new SessionOptions { System = _system });
        static Var F(Var x) => x.Pow(2).Log() * x.Sin() + 1f / x;
        CountingNodeMailbox.TakeCounts(); // the session's own start

        var x = s.Tensor([1.3f], 1).RequiresGrad();
        var y = F(x).Sum();
        y.Item();
        var forward = Measure("forward f(x)");

        y.Backward(retainGraph: true);
        var first = Measure("f'(x), plain backward");
        var firstDerivative = x.Grad![0];
        x.ZeroGrad();
        CountingNodeMailbox.TakeCounts();

        var d1 = Autograd.Grad(y, [x], createGraph: true)[0];
        d1.Item();
        var recorded = Measure("f'(x) recorded (createGraph)");

        d1.Sum().Backward();
        var second = Measure("f''(x), backward through f'");

        var phases = new[] { forward, first, recorded, second };
        output.WriteLine($"{"phase",-32} {"node actors",12} {"messages",9}   by type");
        foreach (var p in phases)
            output.WriteLine($"{p.Name,-32} {p.Nodes,12} {p.Messages,9}   {string.Join(", ", p.ByType.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key} {kv.Value}"))}");
        output.WriteLine("");
        output.WriteLine($"f'(1.3) = {firstDerivative} (hand-derived 1.03105), f''(1.3) = {x.Grad![0]} (hand-derived 0.08749)");
        output.WriteLine("Why: the first derivative is one backward pass over the forward graph (one VJP message per edge).");
        output.WriteLine("For the second, the first derivative must itself be a graph: every VJP rule is recorded as new");
        output.WriteLine("node actors (more nodes than the forward graph had, as each rule uses several ops), and the second");
        output.WriteLine("pass then runs backward through the forward graph and that gradient graph together.");

        Assert.Equal(1.03105, firstDerivative, 0.0005);
        Assert.Equal(0.08749, x.Grad![0], 0.0005);
        Assert.True(recorded.Nodes > forward.Nodes, "the recorded first derivative has more nodes than the forward graph");
        // PreparePass: one per node the pass visits.
        Assert.True(second.ByType["PreparePass"] > first.ByType["PreparePass"]);
        Assert.True(second.Messages > first.Messages);
        Assert.True(recorded.Messages + second.Messages > 2 * first.Messages);
    }
}
