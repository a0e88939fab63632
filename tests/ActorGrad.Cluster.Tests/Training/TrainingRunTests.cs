using ActorGrad.Cluster.Gradients;
using ActorGrad.Cluster.Tests.Gradients;
using ActorGrad.Cluster.Training;
using ActorGrad.Engine.Tensors;
using ActorGrad.Protocol.Gradients;
using Xunit.Abstractions;
using static ActorGrad.Cluster.Tests.ClusterTestSettings;
using static ActorGrad.Cluster.Tests.Gradients.GradientWaits;
using static ActorGrad.Nodes.Tests.Specs.SpecFixtures;

namespace ActorGrad.Cluster.Tests.Training;

/// <summary>Training runs on worker members in this process: checkpoint and resume bitwise, the in-process reference, a lost owner with optimizer state.</summary>
public sealed class TrainingRunTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _members = [];
    private readonly string _directory = Directory.CreateTempSubdirectory("actorgrad-train-").FullName;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        for (var i = _members.Count - 1; i >= 0; i--) await _members[i].DisposeAsync();
        Directory.Delete(_directory, recursive: true);
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
        _members.Insert(0, client);
        return client;
    }

    /// <summary>The spirals' 120 examples in batches of <paramref name="batchSize"/>, shuffled per epoch with <paramref name="shuffleSeed"/>.</summary>
    private static MiniBatches Batches(int batchSize, int? shuffleSeed = 11) => new(SpiralsSpec(), SpiralsBatch(pointsPerClass: 40), batchSize, shuffleSeed);

    private static TrainingRun Start(GradientClient client, OptimizerSettings optimizer, int batchSize = 60, int shards = 5)
    {
        var run = TrainingRun.Start(client, SpiralsSpec(), SpiralsParameters().ToDictionary(p => p.Name, p => p.Value), Batches(batchSize), optimizer, shards);
        run.StepTimeout = Bound;
        return run;
    }

    private static void AssertSameBits(TrainingState expected, TrainingState actual)
    {
        Assert.Equal(expected.Step, actual.Step);
        for (var i = 0; i < expected.Parameters.Length; i++)
        {
            Assert.True(Bits(expected.Parameters[i]).SequenceEqual(Bits(actual.Parameters[i])), $"'{expected.Names[i]}' differs in its bits.");
            Assert.Equal(expected.OptimizerState[i].Length, actual.OptimizerState[i].Length);
            for (var k = 0; k < expected.OptimizerState[i].Length; k++)
                Assert.True(Bits(expected.OptimizerState[i][k]).SequenceEqual(Bits(actual.OptimizerState[i][k])), $"The optimizer state {k} of '{expected.Names[i]}' differs in its bits.");
        }
        Assert.Equal(expected.ParametersSha256(), actual.ParametersSha256());
    }

    private static int[] Bits(Tensor t) => t.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();

    [Fact]
    public async Task N_steps_straight_equal_K_steps_a_checkpoint_a_resume_on_more_members_and_N_minus_K_steps_bitwise()
    {
        var a = await Worker();
        await Worker(a);
        var client = await Client(a);
        await UntilWorkersUp(client, 2);
        var sgd = OptimizerSettings.Sgd(0.5f, momentum: 0.9f, weightDecay: 1e-3f, nesterov: true);
        const int n = 6, k = 3; // 2 batches per epoch: the checkpoint falls in the middle of the second epoch

        var straight = Start(client, sgd);
        var losses = new List<float>();
        await foreach (var step in straight.StepsAsync(n)) losses.Add(step.Loss);
        Assert.Equal(n, straight.State.Step);
        Assert.True(losses[^1] < losses[0], $"The loss did not fall: {string.Join(", ", losses)}");

        var first = Start(client, sgd);
        await first.RunAsync(k);
        var path = Path.Combine(_directory, "run.ckpt");
        first.SaveCheckpoint(path);
        await Worker(a); // the resumed run has three members: placement never changes a bit
        await UntilWorkersUp(client, 3);
        // Batches given without a shuffle seed: the checkpoint's seed is the one that counts.
        var resumed = TrainingRun.Resume(client, SpiralsSpec(), TrainingCheckpoint.Read(path), Batches(60, shuffleSeed: null), shards: 5);
        Assert.Equal(k, resumed.State.Step);
        var resumedLosses = new List<float>();
        await resumed.RunAsync(n - k, s => resumedLosses.Add(s.Loss));

        AssertSameBits(straight.State, resumed.State);
        Assert.Equal(losses.Skip(k).Select(BitConverter.SingleToInt32Bits), resumedLosses.Select(BitConverter.SingleToInt32Bits));
        output.WriteLine($"SGD (nesterov) losses {string.Join(", ", losses.Select(l => l.ToString("F4")))}; sha256 {straight.State.ParametersSha256()} straight and resumed");
    }

    [Fact]
    public async Task Adam_on_the_cluster_follows_the_in_process_reference_and_a_lost_owner_is_recreated_with_its_optimizer_state()
    {
        var a = await Worker();
        await Worker(a);
        var client = await Client(a);
        await UntilWorkersUp(client, 2);
        var adam = OptimizerSettings.Adam(0.05f);
        var run = Start(client, adam);
        await run.RunAsync(3);

        // The in-process reference: the whole batch's gradient, the same rule. Equal within float32 rounding of a
        // different summation order, grown over 3 steps.
        var reference = InProcessTraining.Initial(SpiralsSpec(), SpiralsParameters().ToDictionary(p => p.Name, p => p.Value), adam);
        using (var session = new ActorGrad.Nodes.Session())
            for (var s = 0; s < 3; s++) (_, reference) = InProcessTraining.Step(session, SpiralsSpec(), reference, Batches(60).For(s));
        for (var i = 0; i < reference.Parameters.Length; i++)
            Assert.InRange(Relative(run.State.Parameters[i], reference.Parameters[i]), 0, 1e-4);
        Assert.Equal(2, run.State.OptimizerState[0].Length); // exp_avg, exp_avg_sq

        // Step 3 as a job (Adam state non-zero): once fault-free, once with a third member that stalls and is lost
        // mid-step, so the owners it hosted are re-created on the others from the step's values and optimizer state.
        var state = run.State;
        var job = new GradientJob(SpiralsSpec(), state.ParameterMap(), Batches(60).For(state.Step), 5)
        {
            Step = state.Step, Optimizer = adam, OptimizerState = state.OptimizerState,
        };
        var expected = await Run(client, job);
        var stalled = await Worker(a, new StalledSender());
        await UntilWorkersUp(client, 3);
        var crashed = 0;
        var faulty = await Run(client, job with { PlacementOffset = 2 }, _ =>
        {
            if (Interlocked.Exchange(ref crashed, 1) == 0) stalled.Crash();
        });
        Assert.Equal(3, faulty.Members);
        AssertSameBits(state with { Step = 4, Parameters = expected.Parameters, OptimizerState = expected.OptimizerState },
            state with { Step = 4, Parameters = faulty.Parameters, OptimizerState = faulty.OptimizerState });
        output.WriteLine($"Adam: 3 steps within {reference.Parameters.Select((p, i) => Relative(run.State.Parameters[i], p)).Max():E2} relative of in-process; step 4 the same bits after losing a member");
    }

    [Fact]
    public void A_checkpoint_round_trips_exactly_and_a_damaged_or_foreign_file_is_refused_with_a_reason()
    {
        var names = SpiralsSpec().Parameters.Select(p => p.Name).ToArray();
        var values = SpiralsParameters().Select(p => p.Value).ToArray();
        var state = new TrainingState(7, OptimizerSettings.Adam(0.01f, weightDecay: 0.1f), [.. names], [.. values],
            [.. values.Select(v => System.Collections.Immutable.ImmutableArray.Create(v, TensorOps.Mul(v, v)))]) { ShuffleSeed = -5 };
        var path = Path.Combine(_directory, "a.ckpt");
        TrainingCheckpoint.Write(path, state);
        var back = TrainingCheckpoint.Read(path);
        Assert.Equal(state.Optimizer, back.Optimizer);
        Assert.Equal(-5, back.ShuffleSeed);
        TrainingCheckpoint.Write(path, state with { ShuffleSeed = null });
        Assert.Null(TrainingCheckpoint.Read(path).ShuffleSeed);
        TrainingCheckpoint.Write(path, state);
        AssertSameBits(state, back);

        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        Assert.Contains("not a readable actorgrad checkpoint", Assert.Throws<InvalidDataException>(() => TrainingCheckpoint.Read(path)).Message);
        File.WriteAllText(path, "hello");
        Assert.Throws<InvalidDataException>(() => TrainingCheckpoint.Read(path));
        var other = bytes.ToArray();
        other[1 + 1 + TrainingCheckpoint.Magic.Length] = 9; // the format version, a positive fixint after the array header and the magic
        File.WriteAllBytes(path, other);
        Assert.Contains("format version 9", Assert.Throws<InvalidDataException>(() => TrainingCheckpoint.Read(path)).Message);
    }

    [Fact]
    public void Shuffled_mini_batches_take_every_example_once_per_epoch_in_a_new_order_each_epoch_the_same_for_the_same_seed()
    {
        // The spirals' 120 examples with x numbered (row i is [i, i]), so each example in a batch tells where it came from.
        var dataset = SpiralsBatch(pointsPerClass: 40);
        dataset["x"] = Tensor.FromArray([.. Enumerable.Range(0, 240).Select(i => (float)(i / 2))], 120, 2);
        MiniBatches Batches(int size, int? shuffleSeed) => new(SpiralsSpec(), dataset, size, shuffleSeed);
        var batches = Batches(30, shuffleSeed: 4); // 4 batches per epoch
        int[] Epoch(MiniBatches b, int epoch) =>
            [.. Enumerable.Range(epoch * 4, 4).SelectMany(step => b.For(step)["x"].ToArray().Where((_, i) => i % 2 == 0)).Select(v => (int)v)];

        var first = Epoch(batches, 0);
        Assert.Equal(Enumerable.Range(0, 120), first.Order());
        Assert.NotEqual(Enumerable.Range(0, 120), first);
        Assert.NotEqual(first, Epoch(batches, 1));
        Assert.Equal(first, Epoch(Batches(30, shuffleSeed: 4), 0));
        Assert.NotEqual(first, Epoch(Batches(30, shuffleSeed: 5), 0));
        Assert.Equal(Enumerable.Range(0, 120), Epoch(Batches(30, shuffleSeed: null), 0));
    }
}
