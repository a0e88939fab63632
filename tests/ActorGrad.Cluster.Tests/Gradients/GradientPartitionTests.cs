using ActorGrad.Cluster.Gradients;
using Xunit.Abstractions;
using static ActorGrad.Cluster.Tests.ClusterTestSettings;
using static ActorGrad.Cluster.Tests.Gradients.GradientFixtures;
using static ActorGrad.Cluster.Tests.Gradients.GradientWaits;

namespace ActorGrad.Cluster.Tests.Gradients;

/// <summary>
/// A worker cut off mid-step, not killed: it runs in a network namespace of the test's own, and nftables drops its
/// packets. Needs root, `ip` and `nft` (CI installs nftables); without them the test reports itself skipped.
/// </summary>
public sealed class GradientPartitionTests(ITestOutputHelper output) : ClusterTest(output)
{
    private GradientClient? _client;

    public override async Task DisposeAsync()
    {
        if (_client is not null) await _client.DisposeAsync();
        await base.DisposeAsync();
    }

    /// <summary>
    /// Workers a and b and the client listen on this side of the veth pair, worker c inside the namespace. c is frozen
    /// (SIGSTOP) when the step starts, so the run of shards it holds in the step's chain surely never passes its sum on
    /// (the step cannot finish without c being found out); then its namespace is cut off and c runs again, alive but unheard. The majority side's resolver downs c, the step's gradient is the fault-free
    /// one bit for bit with none of c's work in it, and c, seeing itself in the minority, downs itself and exits
    /// (`actorgrad node` exit code 3).
    /// </summary>
    [SkippableFact]
    public async Task A_worker_cut_off_by_nftables_mid_step_is_downed_and_changes_no_bit()
    {
        var unavailable = TestNetworkNamespace.Unavailable();
        Skip.If(unavailable is not null, unavailable);
        await using var ns = await TestNetworkNamespace.CreateAsync();
        NodeProcess? c = null;
        try
        {
            string[] outside = ["--host", ns.HostAddress, "--insecure"];
            var a = await StartNode("a", extra: outside, clocks: FaultClocks);
            var b = await StartNode("b", a, extra: outside, clocks: FaultClocks);
            var options = OptionsWith(FaultClocks, 0, a.HostPort);
            options.Host = ns.HostAddress;
            options.Insecure = true;
            _client = await GradientClient.JoinAsync(options, Bound);
            await UntilWorkersAre(_client, [a.Address, b.Address]);
            var job = Spirals(shards: 12, pointsPerClass: 200);
            var expected = await Run(_client, job);

            c = await StartNode("c", a, extra: ["--host", ns.InnerAddress, "--insecure"], clocks: FaultClocks, netns: ns.Name);
            await UntilWorkersAre(_client, [a.Address, b.Address, c.Address]);
            AssertBitwiseEqual(expected, await Run(_client, job)); // c takes part and changes nothing

            c.Freeze();
            var runs = new List<ShardProgress>();
            var step = Run(_client, job with { PlacementOffset = 2 }, runs.Add);
            await ns.CutOffAsync();
            c.Thaw();
            var result = await step;

            AssertBitwiseEqual(expected, result);
            Assert.Equal(3, result.Members); // c was given work
            Assert.DoesNotContain(runs, r => r.Member == c.Address); // and none of it counted
            await UntilWorkersAre(_client, [a.Address, b.Address]); // downed by the resolver and removed
            Assert.Equal(3, await c.WaitForExitAsync()); // downed on its own side too: exit code 3
            Output.WriteLine($"{runs.Count} shard runs for {job.Shards} shards with {c} cut off; loss {result.Loss}, the same bits as without the fault");
        }
        finally
        {
            // The node inside goes before its namespace.
            if (c is { HasExited: false }) await c.KillAsync();
        }
    }
}
