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
    /// (`actorgrad node` exit code 3). None of c's reports can reach the client: c reads the step's shards only once
    /// thawed, after the cut, and every frame it sends, Akka.Remote's and the lane's (also those whose payload lies in
    /// the shared-memory ring in /dev/shm, which the namespace still shares), goes over a socket that nftables drops.
    /// </summary>
    [SkippableFact]
    public async Task A_worker_cut_off_by_nftables_mid_step_is_downed_and_changes_no_bit()
    {
        var unavailable = TestNetworkNamespace.Unavailable();
        Skip.If(unavailable is not null, unavailable);
        await using var ns = await TestNetworkNamespace.CreateAsync();
        NodeProcess? c = null;
        var runs = new List<ShardProgress>();
        var notes = new List<string>(); // what the test did and when, for a failure's report
        void Note(string what) => notes.Add($"{DateTime.UtcNow:HH:mm:ss.fff} {what}");
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
            // c reachable again in the client's view, had the step's load made a member flag it: the step below must
            // start with c among its workers.
            await UntilWorkersAre(_client, [a.Address, b.Address, c.Address]);

            c.Freeze();
            Note("c frozen");
            var step = Run(_client, job with { PlacementOffset = 2 }, p => { lock (runs) runs.Add(p); });
            await ns.CutOffAsync();
            Note("c's namespace cut off");
            c.Thaw();
            Note("c thawed");
            var result = await step;
            Note($"step done on {result.Members} member(s)");

            AssertBitwiseEqual(expected, result);
            Assert.True(result.Members == 3, $"c was not given work: the step ran on {result.Members} members (c was found unreachable before the step started)");
            lock (runs) Assert.DoesNotContain(runs, r => r.Member == c.Address); // none of c's work counted
            await UntilWorkersAre(_client, [a.Address, b.Address]); // downed by the resolver and removed
            Assert.Equal(3, await c.WaitForExitAsync()); // downed on its own side too: exit code 3
            Output.WriteLine($"{runs.Count} shard runs for {job.Shards} shards with {c} cut off; loss {result.Loss}, the same bits as without the fault");
            Output.WriteLine(ShardRuns(runs));
        }
        catch (Exception) when (c is not null)
        {
            // A failure under load must explain itself: when c was frozen, cut off and thawed, who ran which attempt,
            // and what c logged (its view of the cut and of its own downing).
            Output.WriteLine(string.Join('\n', notes));
            lock (runs) Output.WriteLine(ShardRuns(runs));
            Output.WriteLine($"c ({c.Incarnation}, exited: {c.HasExited}), its last lines:\n{string.Join('\n', c.Lines.TakeLast(40))}");
            throw;
        }
        finally
        {
            // The node inside goes before its namespace.
            if (c is { HasExited: false }) await c.KillAsync();
        }
    }

    /// <summary>The shard runs the job reported, in order: shard@member#attempt (attempts are numbered as the coordinator sent them).</summary>
    private static string ShardRuns(IEnumerable<ShardProgress> runs) =>
        "shard runs (shard@member#attempt): " + string.Join(" ", runs.Select(r => $"{r.Shard}@{r.Member}#{r.Attempt}"));
}
