using System.Diagnostics;
using ActorGrad.Cluster.Gradients;
using ActorGrad.Cluster.Tests.Gradients;
using ActorGrad.Cluster.Training;
using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes.Models;
using ActorGrad.Protocol.Gradients;
using Xunit.Abstractions;
using static ActorGrad.Cluster.Tests.ClusterTestSettings;
using static ActorGrad.Cluster.Tests.Gradients.GradientWaits;

namespace ActorGrad.Cluster.Tests.Training;

/// <summary>
/// Training step time in-process and on 1, 2 and 3 in-process members (printed for the report, never asserted); the
/// runs on 1, 2 and 3 members end with the same parameter bits, which is asserted.
/// </summary>
public sealed class TrainingStepMeasurementTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Steps = 20;
    private readonly List<IAsyncDisposable> _members = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        for (var i = _members.Count - 1; i >= 0; i--) await _members[i].DisposeAsync();
    }

    [Fact]
    public async Task Step_time_in_process_and_on_1_2_3_members_with_the_same_bits_on_each()
    {
        var spec = SpiralsMlp.Spec(hidden: 64);
        var (inputs, labels) = Spirals.Generate(pointsPerClass: 100, SpiralsMlp.Classes, seed: 7);
        var batches = new MiniBatches(spec, SpiralsMlp.Batch(inputs, labels));
        var parameters = SpiralsMlp.InitialParameters(7, hidden: 64).ToDictionary(p => p.Name, p => p.Value);
        var sgd = OptimizerSettings.Sgd(1f);

        var state = InProcessTraining.Initial(spec, parameters, sgd);
        using (var session = new ActorGrad.Nodes.Session())
        {
            (_, state) = InProcessTraining.Step(session, spec, state, batches.For(0)); // warm-up
            var clock = Stopwatch.StartNew();
            for (var s = 1; s <= Steps; s++) (_, state) = InProcessTraining.Step(session, spec, state, batches.For(s));
            output.WriteLine($"in-process: {clock.Elapsed.TotalMilliseconds / Steps:0.0} ms per step (2-64-3 MLP, batch 300, SGD)");
        }

        var a = await WorkerMember.StartAsync();
        _members.Add(a);
        var client = await GradientClient.JoinAsync(FastOptions(0, a.HostPort), Bound);
        _members.Insert(0, client);
        string? sha = null;
        for (var members = 1; members <= 3; members++)
        {
            if (members > 1)
            {
                _members.Add(await WorkerMember.StartAsync(a.HostPort));
                await UntilWorkersUp(client, members);
            }
            var run = TrainingRun.Start(client, spec, parameters, batches, sgd, shards: 6);
            run.StepTimeout = Bound;
            await run.StepAsync(); // warm-up
            var clock = Stopwatch.StartNew();
            await run.RunAsync(Steps);
            output.WriteLine($"{members} member(s), 6 shards: {clock.Elapsed.TotalMilliseconds / Steps:0.0} ms per step");
            sha ??= run.State.ParametersSha256();
            Assert.Equal(sha, run.State.ParametersSha256());
        }
    }
}
