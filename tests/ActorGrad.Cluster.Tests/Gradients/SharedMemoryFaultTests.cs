using ActorGrad.Cluster.Gradients;
using ActorGrad.Cluster.Lanes;
using Xunit.Abstractions;
using static ActorGrad.Cluster.Tests.ClusterTestSettings;
using static ActorGrad.Cluster.Tests.Gradients.GradientFixtures;
using static ActorGrad.Cluster.Tests.Gradients.GradientWaits;

namespace ActorGrad.Cluster.Tests.Gradients;

/// <summary>
/// The tensor lane's shared-memory rings between real `actorgrad node` processes on this host: they carry the step's
/// payloads, and a member killed (kill -9) mid-step leaves no ring file in /dev/shm while the survivor finishes the
/// step and the next one with the same bits.
/// </summary>
public sealed class SharedMemoryFaultTests(ITestOutputHelper output) : ClusterTest(output)
{
    private GradientClient? _client;

    public override async Task DisposeAsync()
    {
        if (_client is not null) await _client.DisposeAsync();
        await base.DisposeAsync();
    }

    [Fact]
    public async Task A_member_killed_mid_step_leaves_no_ring_file_and_the_survivor_carries_on()
    {
        var a = await StartNode("a", clocks: FaultClocks);
        var b = await StartNode("b", a, clocks: FaultClocks);
        _client = await GradientClient.JoinAsync(OptionsWith(FaultClocks, 0, a.HostPort), Bound);
        await UntilWorkersAre(_client, [a.Address, b.Address]);
        // 6000 points: every shard's batch and the parameters are kilobytes, over the ring's threshold.
        var job = Spirals(shards: 8, pointsPerClass: 2000);
        var lane = TensorLane.Get(_client.System);
        var expected = await Run(_client, job);
        Assert.True(lane.SharedMemoryBytesSent > 0, "The client's payloads to the members on this host did not go through shared memory.");

        var killed = 0;
        var step = Run(_client, job, p =>
        {
            if (Interlocked.Exchange(ref killed, 1) == 0) b.Kill();
        });
        var result = await step;
        await b.WaitForExitAsync();
        AssertBitwiseEqual(expected, result);

        // Every ring was unlinked once both ends had it mapped: the dead member's and its peers' alike.
        foreach (var pid in new[] { b.ProcessId, a.ProcessId, Environment.ProcessId })
            Assert.Empty(Directory.GetFiles(SharedRing.Directory, $"{SharedRing.FilePrefix}{pid}-*"));

        await UntilWorkersAre(_client, [a.Address]);
        AssertBitwiseEqual(expected, await Run(_client, job));
        Assert.Empty(Directory.GetFiles(SharedRing.Directory, $"{SharedRing.FilePrefix}{a.ProcessId}-*"));
    }
}
