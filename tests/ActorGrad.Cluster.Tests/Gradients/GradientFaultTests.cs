using System.Diagnostics;
using ActorGrad.Cluster.Gradients;
using ActorGrad.Protocol.Gradients;
using Xunit.Abstractions;
using static ActorGrad.Cluster.Tests.ClusterTestSettings;
using static ActorGrad.Cluster.Tests.Gradients.GradientFixtures;
using static ActorGrad.Cluster.Tests.Gradients.GradientWaits;
using static ActorGrad.Nodes.Tests.Specs.SpecFixtures;

namespace ActorGrad.Cluster.Tests.Gradients;

/// <summary>
/// Members killed (kill -9) mid-step, on real `actorgrad node` processes with the fault clocks: each step's gradient is
/// bitwise the fault-free one, and a job with no worker left fails with a clear error in a bounded time.
/// </summary>
public sealed class GradientFaultTests(ITestOutputHelper output) : ClusterTest(output)
{
    private GradientClient? _client;

    public override async Task DisposeAsync()
    {
        if (_client is not null) await _client.DisposeAsync();
        await base.DisposeAsync();
    }

    /// <summary>
    /// 20 trials on 3 workers; each kills one worker (chosen by a seeded random) at a seeded random moment of the step,
    /// then starts a replacement and waits until the client sees it Up and the victim removed. The moment is "after k
    /// shard completions" with k drawn from 0..S-1 (0: right after submission): a count of observed completions is a
    /// point in the step's progress that a loaded machine does not stretch or shrink, so the seed means the same
    /// moments on any machine, from before the first shard to the last one; a delay drawn up to the fault-free step
    /// time would mostly land after a step that took longer under load. The placement offset is drawn too. Odd trials are
    /// SGD steps (momentum, a step after the first), whose parameter owners the victim may host: they are re-created
    /// from the step's parameter version and optimizer state, and the new parameters and state are bitwise the fault-free
    /// ones too; even trials are gradient jobs.
    /// </summary>
    [Fact]
    public async Task Twenty_kill_9s_at_random_moments_of_a_step_each_leave_the_gradient_bitwise_unchanged()
    {
        const int trials = 20;
        var random = new Random(20261128);
        var a = await StartNode("a", clocks: FaultClocks);
        var others = await Task.WhenAll(StartNode("b", a, clocks: FaultClocks), StartNode("c", a, clocks: FaultClocks));
        var workers = new List<NodeProcess> { a, others[0], others[1] };
        _client = await GradientClient.JoinAsync(OptionsWith(FaultClocks, 0, a.HostPort), Bound);
        await UntilWorkersAre(_client, workers.Select(w => w.Address));

        // 12 shards in runs of 4 on 3 workers; in a training step 4 owners over the 3 workers.
        var gradientJob = Spirals(shards: 12, pointsPerClass: 200);
        var first = await Run(_client, gradientJob with { Optimizer = OptimizerSettings.Sgd(0.1f, momentum: 0.9f) });
        var trainingJob = gradientJob with
        {
            Parameters = gradientJob.Spec.Parameters.Select((p, i) => (p.Name, first.Parameters[i])).ToDictionary(p => p.Name, p => p.Item2),
            Step = 1,
            Optimizer = OptimizerSettings.Sgd(0.1f, momentum: 0.9f),
            OptimizerState = first.OptimizerState,
        };
        var expectedGradient = await Run(_client, gradientJob);
        var expectedStep = await Run(_client, trainingJob);
        Assert.Equal(3, expectedGradient.Members);
        var clock = Stopwatch.StartNew();
        var faulted = 0;
        for (var trial = 0; trial < trials; trial++)
        {
            var (job, expected) = trial % 2 == 0 ? (gradientJob, expectedGradient) : (trainingJob, expectedStep);
            var victim = workers[random.Next(workers.Count)];
            var after = random.Next(job.Shards);
            var offset = random.Next(workers.Count);
            var killed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            void KillVictim()
            {
                if (killed.TrySetResult()) victim.Kill();
            }

            var runs = new List<ShardProgress>();
            var step = Run(_client, job with { PlacementOffset = offset }, p =>
            {
                runs.Add(p); // on the coordinator's thread, one at a time
                if (runs.Count == after) KillVictim();
            });
            if (after == 0) KillVictim();
            // The replacement starts while the victim is found out: it joins (WeaklyUp) and is Up once the victim is removed.
            await Task.WhenAny(killed.Task, step);
            var seeds = workers.Where(w => w != victim).Select(w => w.HostPort).ToList();
            var replacement = StartNode($"r{trial}", extra: seeds.SelectMany(s => new[] { "--seed", s }), clocks: FaultClocks);
            var result = await step;
            KillVictim(); // a step that ended before its moment came: the kill falls between steps

            AssertBitwiseEqual(expected, result);
            if (job.Optimizer is not null) AssertSameStep(expected, result);
            var rerun = runs.Count > job.Shards;
            if (rerun) faulted++;
            Assert.Equal(job.Shards, runs.Select(r => r.Shard).Distinct().Count());
            Output.WriteLine($"trial {trial} ({(job.Optimizer is null ? "gradient" : "SGD step")}): killed {victim.Name} after {after} shard completions (placement offset {offset}); " +
                             $"{runs.Count} shard runs reported, {runs.Count(r => r.Member == victim.Address)} of them on {victim.Name}; the same bits");

            await victim.WaitForExitAsync();
            workers.Remove(victim);
            workers.Add(await replacement);
            await UntilWorkersAre(_client, workers.Select(w => w.Address));
        }
        Output.WriteLine($"{trials} trials in {clock.Elapsed.TotalSeconds:0.0} s; {faulted} of them ran the step again in a new round, the others lost the member after its part was in");
        // The seeded moments must really fall inside steps: were most kills after the step, the test would test little.
        Assert.True(faulted >= trials / 2, $"Only {faulted} of {trials} kills fell inside a step.");
    }

    private static void AssertSameStep(GradientResult expected, GradientResult actual)
    {
        for (var i = 0; i < expected.Parameters.Length; i++)
        {
            Assert.True(Bits(expected.Parameters[i]).SequenceEqual(Bits(actual.Parameters[i])), $"The new value of parameter {i} differs in its bits.");
            for (var k = 0; k < expected.OptimizerState[i].Length; k++)
                Assert.True(Bits(expected.OptimizerState[i][k]).SequenceEqual(Bits(actual.OptimizerState[i][k])), $"The optimizer state {k} of parameter {i} differs in its bits.");
        }
    }

    /// <summary>
    /// The only worker is killed as the job starts: the job fails with "no worker left" once the worker is found
    /// unreachable, well before the job's own time bound (10 minutes here). A second member without the worker role
    /// (`actorgrad node --role client`) keeps the client on the majority side, so the resolver downs the worker, not it.
    /// </summary>
    [Fact]
    public async Task With_no_worker_left_a_job_fails_with_a_clear_error_in_bounded_time()
    {
        var worker = await StartNode("worker", clocks: FaultClocks);
        await StartNode("bystander", worker, extra: ["--role", GradientRoles.Client], clocks: FaultClocks);
        _client = await GradientClient.JoinAsync(OptionsWith(FaultClocks, 0, worker.HostPort), Bound);
        await UntilWorkersAre(_client, [worker.Address]);

        var clock = Stopwatch.StartNew();
        var step = _client.ComputeAsync(Spirals(shards: 4) with { Timeout = TimeSpan.FromMinutes(10) });
        worker.Kill();
        var error = await Assert.ThrowsAsync<GradientJobException>(() => step.WaitAsync(Bound));
        Output.WriteLine($"failed after {clock.Elapsed.TotalSeconds:0.0} s: {error.Message}");
        Assert.Contains("has no worker left", error.Message);
        Assert.Contains(worker.Address, error.Message);
    }

    /// <summary>
    /// A worker that was lost to a job and comes back takes its shards again. Worker a (a process) is frozen (SIGSTOP)
    /// as the job starts; worker b (in this process) stalls: it runs shards, but its sums never arrive. a is found
    /// unreachable, and a new round runs every shard on b, in vain. a is thawed before the resolver (patient here) downs
    /// it, and is reachable again; then b is ended. The step can only finish if the job gives a its work again: it does,
    /// with the fault-free bits.
    /// </summary>
    [Fact]
    public async Task A_worker_lost_to_a_job_and_reachable_again_takes_its_shards_again()
    {
        var clocks = new Dictionary<string, TimeSpan>(FaultClocks) { [nameof(ClusterMemberOptions.StableAfter)] = Dilated(TimeSpan.FromSeconds(60)) };
        var a = await StartNode("a", clocks: clocks);
        _client = await GradientClient.JoinAsync(OptionsWith(clocks, 0, a.HostPort), Bound);
        await UntilWorkersAre(_client, [a.Address]);
        var job = Spirals(shards: 6);
        var expected = await Run(_client, job);

        await using var b = await WorkerMember.StartAsync(a.HostPort, new StalledSender(), clocks);
        await UntilWorkersAre(_client, [a.Address, b.Address.ToString()]);
        a.Freeze();
        var runs = new List<ShardProgress>();
        var step = Run(_client, job, p => { lock (runs) runs.Add(p); });
        await UntilUnreachable(_client, a.Address, reachable: false);
        a.Thaw();
        await UntilUnreachable(_client, a.Address, reachable: true);
        b.Crash();

        // Only a can deliver gradients now: the step ends only if the job took a back (else: "no worker left").
        var result = await step;
        AssertBitwiseEqual(expected, result);
        lock (runs)
        {
            Assert.Contains(runs, r => r.Member == b.Address.ToString()); // b ran shards while a was lost
            Output.WriteLine($"{runs.Count} shard runs reported: {runs.Count(r => r.Member == b.Address.ToString())} on b (lost), " +
                             $"{runs.Count(r => r.Member == a.Address)} on a after it came back (a's last reports may come after the sums)");
        }
    }

    /// <summary>Until the client sees the member at <paramref name="address"/> unreachable (or reachable again, if <paramref name="reachable"/>).</summary>
    private static async Task UntilUnreachable(GradientClient client, string address, bool reachable)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Func<Akka.Cluster.ClusterEvent.CurrentClusterState, bool> done = state =>
            state.Members.Any(m => m.Address.ToString() == address) && state.Unreachable.Any(m => m.Address.ToString() == address) != reachable;
        var watcher = client.System.ActorOf(Akka.Actor.Props.Create(() => new ClusterStateSignal(done, seen)));
        try { await seen.Task.WaitAsync(Bound); }
        finally { client.System.Stop(watcher); }
    }
}
