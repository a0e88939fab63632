using ActorGrad.Cluster.Gradients;
using Xunit.Abstractions;
using static ActorGrad.Cluster.Tests.ClusterTestSettings;
using static ActorGrad.Cluster.Tests.Gradients.GradientFixtures;
using static ActorGrad.Cluster.Tests.Gradients.GradientWaits;

namespace ActorGrad.Cluster.Tests.Gradients;

/// <summary>The distributed gradient on real `actorgrad node` processes (workers by default) and a client member in this process.</summary>
public sealed class GradientProcessTests(ITestOutputHelper output) : ClusterTest(output)
{
    private GradientClient? _client;

    public override async Task DisposeAsync()
    {
        if (_client is not null) await _client.DisposeAsync();
        await base.DisposeAsync();
    }

    [Fact]
    public async Task Node_processes_compute_the_batch_gradient_and_a_node_killed_mid_step_changes_no_bit()
    {
        var a = await StartNode("a");
        var b = await StartNode("b", a);
        _client = await GradientClient.JoinAsync(FastOptions(0, a.HostPort), Bound);
        await UntilWorkersUp(_client, 2);

        var small = Spirals(shards: 5);
        AssertCloseToInProcess(small, await Run(_client, small));

        // A batch of 1,200 so that a step lasts long enough to be cut (its in-process difference is float32 rounding
        // of a longer sum: ~1.5e-5 relative, so the 1e-5 check is on the batch above).
        var job = Spirals(shards: 12, pointsPerClass: 400);
        var expected = await Run(_client, job);
        Assert.Equal(2, expected.Members);
        await MeasureSteps(job, expected, "2 node processes");

        var c = await StartNode("c", a);
        await UntilWorkersUp(_client, 3);
        AssertBitwiseEqual(expected, await Run(_client, job with { PlacementOffset = 1 }));
        await MeasureSteps(job, expected, "3 node processes");

        // c is frozen (SIGSTOP) when the job starts and is killed when the first shard is done elsewhere: the job gave it
        // a run of shards in the chain that never passes its sum on, is stalled until c is found unreachable, then runs the
        // step again in a new round on a and b.
        c.Freeze();
        var runs = new List<ShardProgress>();
        var killed = 0;
        var result = await Run(_client, job with { PlacementOffset = 2 }, p =>
        {
            runs.Add(p);
            if (Interlocked.Exchange(ref killed, 1) == 0) c.Kill();
        });
        AssertBitwiseEqual(expected, result);
        await c.WaitForExitAsync();
        Assert.Equal(3, result.Members); // c was given work
        Assert.DoesNotContain(runs, r => r.Member == c.Address); // and none of it counted
        Assert.Equal(job.Shards, runs.Select(r => r.Shard).Distinct().Count());
        Output.WriteLine($"{runs.Count} shard runs for {job.Shards} shards after kill -9 of {c}; loss {result.Loss}, the same bits as without the fault");
    }

    /// <summary>Prints the mean time of a few steps (for the report, never asserted); each gives the same bits.</summary>
    private async Task MeasureSteps(GradientJob job, GradientResult expected, string where)
    {
        const int steps = 10;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < steps; i++) AssertBitwiseEqual(expected, await Run(_client!, job));
        Output.WriteLine($"spirals MLP (hidden 16), batch {job.Batch["x"].Shape[0]}, {job.Shards} shards on {where}: {clock.Elapsed.TotalMilliseconds / steps:0.0} ms per step");
    }
}
