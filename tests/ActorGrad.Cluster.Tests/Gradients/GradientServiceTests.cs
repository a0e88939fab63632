using ActorGrad.Cluster.Gradients;
using ActorGrad.Protocol.Specs;
using Xunit.Abstractions;
using static ActorGrad.Cluster.Tests.ClusterTestSettings;
using static ActorGrad.Cluster.Tests.Gradients.GradientFixtures;
using static ActorGrad.Cluster.Tests.Gradients.GradientWaits;

namespace ActorGrad.Cluster.Tests.Gradients;

/// <summary>
/// The distributed gradient on worker members that are ActorSystems of this process (each on its own loopback port,
/// talking over Akka.Remote with the MessagePack wire) and a client member that submits the jobs.
/// </summary>
public sealed class GradientServiceTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _members = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        for (var i = _members.Count - 1; i >= 0; i--) await _members[i].DisposeAsync();
    }

    private async Task<WorkerMember> Worker(WorkerMember? seed = null, ITensorMessageSender? sender = null)
    {
        var worker = await WorkerMember.StartAsync(seed?.HostPort, sender);
        _members.Add(worker);
        return worker;
    }

    private async Task<GradientClient> Client(WorkerMember seed)
    {
        var client = await GradientClient.JoinAsync(FastOptions(0, seed.HostPort), Bound);
        _members.Insert(0, client); // leaves first
        return client;
    }


    [Fact]
    public async Task Gradients_are_bitwise_identical_on_1_2_3_members_and_any_placement_and_match_the_in_process_gradient()
    {
        var a = await Worker();
        var client = await Client(a);
        var spirals = Spirals(shards: 6);
        var random = RandomGraph(shards: 5);

        var spirals1 = await Run(client, spirals);
        var random1 = await Run(client, random);
        Assert.Equal(1, spirals1.Members);
        AssertCloseToInProcess(spirals, spirals1);
        AssertCloseToInProcess(random, random1);
        Assert.Contains(spirals1.Gradient("w1").ToArray(), v => v != 0); // not trivially zero

        await Worker(a);
        await UntilWorkersUp(client, 2);
        var spirals2 = await Run(client, spirals);
        Assert.Equal(2, spirals2.Members);
        AssertBitwiseEqual(spirals1, spirals2);

        await Worker(a);
        await UntilWorkersUp(client, 3);
        for (var offset = 0; offset < 3; offset++)
        {
            var spirals3 = await Run(client, spirals with { PlacementOffset = offset });
            Assert.Equal(3, spirals3.Members);
            AssertBitwiseEqual(spirals1, spirals3);
        }
        AssertBitwiseEqual(random1, await Run(client, random with { PlacementOffset = 1 }));

        // A job submitted on a worker member itself (its coordinator beside a worker): the same bits.
        var beside = new GradientClient(a.System);
        AssertBitwiseEqual(spirals1, await Run(beside, spirals));
        // That member got the job's parameters and shards as objects, not bytes: they stay the caller's (a receiver
        // disposes only what it decoded), whole and usable for the next job.
        Assert.All(spirals.Parameters.Values.Concat(spirals.Batch.Values), t => Assert.False(t.IsDisposed));
        AssertBitwiseEqual(spirals1, await Run(beside, spirals with { PlacementOffset = 2 }));
        output.WriteLine($"spirals loss {spirals1.Loss}, random graph loss {random1.Loss}: the same bits on 1, 2 and 3 members");
    }

    [Fact]
    public async Task A_bad_spec_is_rejected_with_the_member_and_the_reason_while_another_job_on_the_same_members_succeeds()
    {
        var a = await Worker();
        await Worker(a);
        var client = await Client(a);
        await UntilWorkersUp(client, 2);

        var good = Spirals(shards: 4);
        var nodes = good.Spec.Nodes.SetItem(1, good.Spec.Nodes[1] with { Op = "no_such_op" });
        var bad = good with { Spec = good.Spec with { Nodes = nodes } };

        var badRun = Run(client, bad);
        var goodRun = Run(client, good);
        var failure = await Assert.ThrowsAsync<GradientJobException>(() => badRun);
        output.WriteLine(failure.Message);
        Assert.NotNull(failure.Member);
        Assert.StartsWith("akka.tcp://actorgrad@127.0.0.1:", failure.Member);
        Assert.Contains($"Member {failure.Member}", failure.Message);
        Assert.Contains("'no_such_op'", failure.Message);
        Assert.Contains("op table", failure.Message);
        AssertCloseToInProcess(good, await goodRun);

        // Values that do not fit the spec are refused where a shard runs, naming the parameter.
        var wrongShape = good with { Parameters = new Dictionary<string, ActorGrad.Engine.Tensors.Tensor>(good.Parameters) { ["w1"] = ActorGrad.Engine.Tensors.Tensor.Zeros(3, 16) } };
        var shapeFailure = await Assert.ThrowsAsync<GradientJobException>(() => Run(client, wrongShape));
        output.WriteLine(shapeFailure.Message);
        Assert.Contains("(running shard ", shapeFailure.Message);
        Assert.Contains("'w1'", shapeFailure.Message);

        // A shard bigger than Akka.Remote's frame (128,000 bytes by default) goes over the tensor lane, which every
        // member has; a sender without the lane refuses it at once instead of letting Akka.Remote drop it on the way.
        var big = Spirals(shards: 1, pointsPerClass: 4000);
        var overLane = await Run(client, big);
        Assert.True(float.IsFinite(overLane.Loss), $"loss {overLane.Loss}");
        var akkaOnly = new GradientClient(client.System, AkkaTensorSender.Instance);
        var oversized = Assert.Throws<ArgumentException>(() => { _ = akkaOnly.ComputeAsync(big); });
        Assert.Contains("MaximumFrameSize", oversized.Message);

        // The members keep serving: the next job runs on both.
        var again = await Run(client, good);
        Assert.Equal(2, again.Members);
        AssertBitwiseEqual(await goodRun, again);
    }

    [Fact]
    public async Task A_member_lost_mid_step_costs_time_not_bits_its_shards_move_to_the_others()
    {
        var a = await Worker();
        await Worker(a);
        var client = await Client(a);
        await UntilWorkersUp(client, 2);
        var job = Spirals(shards: 8);
        var expected = await Run(client, job);

        // A third worker that stalls: its sums in the step's chain never arrive, so the step can only
        // finish once the member is lost and its work is redone by the others.
        var stalled = await Worker(a, new StalledSender());
        await UntilWorkersUp(client, 3);
        var progress = new List<ShardProgress>();
        var crashed = 0;
        var result = await Run(client, job with { PlacementOffset = 2 }, p =>
        {
            progress.Add(p);
            if (Interlocked.Exchange(ref crashed, 1) == 0) stalled.Crash();
        });

        AssertBitwiseEqual(expected, result);
        Assert.Contains(progress, p => p.Attempt > job.Shards); // shards ran again after the loss
        Assert.DoesNotContain(progress, p => p.Attempt > job.Shards && p.Member == stalled.Address.ToString());
        output.WriteLine($"{progress.Count} shard runs for {job.Shards} shards; the same bits as without the fault");
    }

    [Fact]
    public async Task With_no_worker_left_the_job_fails_with_a_clear_error_within_a_bound()
    {
        var only = await Worker(sender: new StalledSender());
        var client = await Client(only);
        await UntilWorkersUp(client, 1);

        var started = DateTime.UtcNow;
        var crashed = 0;
        var failure = await Assert.ThrowsAsync<GradientJobException>(() => Run(client, Spirals(shards: 4), _ =>
        {
            if (Interlocked.Exchange(ref crashed, 1) == 0) only.Crash();
        }));
        output.WriteLine($"{failure.Message} (after {(DateTime.UtcNow - started).TotalSeconds:0.0} s)");
        Assert.Contains("no worker left", failure.Message);
        Assert.Contains(only.Address.ToString(), failure.Message);
    }

    [Fact]
    public async Task A_job_with_no_worker_member_fails_at_once()
    {
        var a = await WorkerMember.StartAsync();
        _members.Add(a);
        var client = await Client(a);
        await a.DisposeAsync(); // leaves gracefully
        _members.Remove(a);
        // Not waiting for the client to notice: either it saw no worker or it loses the one it picked.
        var failure = await Assert.ThrowsAsync<GradientJobException>(() => Run(client, Spirals(shards: 2)));
        output.WriteLine(failure.Message);
        Assert.Matches("no Up member with role 'worker'|no worker left", failure.Message);
    }
}

