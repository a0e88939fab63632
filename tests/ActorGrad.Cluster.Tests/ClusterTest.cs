using Xunit.Abstractions;
using static ActorGrad.Cluster.Tests.ClusterTestSettings;

namespace ActorGrad.Cluster.Tests;

/// <summary>
/// Per-test bookkeeping: every node process and tester started through it is stopped at the end,
/// whatever the test's outcome.
/// </summary>
public abstract class ClusterTest(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly List<NodeProcess> _nodes = [];
    private readonly List<TesterMember> _testers = [];
    protected ITestOutputHelper Output { get; } = output;

    public Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        foreach (var t in _testers) await t.DisposeAsync();
        foreach (var n in _nodes) await n.DisposeAsync();
    }

    /// <summary>
    /// An `actorgrad node` on a free port (or <paramref name="port"/>), seeded by <paramref name="seed"/> if given, with
    /// the test clocks (or <paramref name="clocks"/>), in the network namespace <paramref name="netns"/> if given.
    /// </summary>
    internal async Task<NodeProcess> StartNode(string name, NodeProcess? seed = null, int port = 0, IEnumerable<string>? extra = null,
        IReadOnlyDictionary<string, TimeSpan>? clocks = null, string? netns = null)
    {
        List<string> args = ["--port", port.ToString()];
        if (seed is not null) args.AddRange(["--seed", seed.HostPort]);
        if (extra is not null) args.AddRange(extra);
        var node = await NodeProcess.StartAsync(name, args, clocks: clocks, netns: netns);
        _nodes.Add(node);
        return node;
    }

    /// <summary>An `actorgrad node` that may never listen (bad configuration); the test waits for its lines and exit.</summary>
    internal async Task<NodeProcess> StartFailingNode(string name, params string[] args)
    {
        var node = await NodeProcess.StartAsync(name, args, waitUntilListening: false);
        _nodes.Add(node);
        return node;
    }

    internal async Task<TesterMember> StartTester(NodeProcess seed, Action<ClusterMemberOptions>? configure = null)
    {
        var options = FastOptions(0, seed.HostPort);
        configure?.Invoke(options);
        var tester = await TesterMember.StartAsync(options, Output);
        _testers.Add(tester);
        return tester;
    }

    /// <summary>Nodes a, b and c (both seeded by a) and the tester, all seen Up by the tester.</summary>
    internal async Task<(NodeProcess A, NodeProcess B, NodeProcess C, TesterMember Tester)> StartThreeNodesAndTester()
    {
        var a = await StartNode("a");
        var others = await Task.WhenAll(StartNode("b", a), StartNode("c", a));
        var tester = await StartTester(a);
        await tester.WaitUntilAllUp(a, others[0], others[1]);
        return (a, others[0], others[1], tester);
    }
}
