using System.Diagnostics;
using ActorGrad.Cluster.Gradients;
using ActorGrad.Nodes.Models;
using Xunit.Abstractions;
using static ActorGrad.Cluster.Tests.ClusterTestSettings;
using static ActorGrad.Cluster.Tests.Gradients.GradientFixtures;
using static ActorGrad.Cluster.Tests.Gradients.GradientWaits;

namespace ActorGrad.Cluster.Tests.Gradients;

/// <summary>
/// Step times of the spirals MLP (hidden 64, batch 3,000, 8 shards) on 1, 2 and 3 in-process worker members against
/// SpecRunner in-process on the whole batch. The times are printed for the report, never asserted; the test checks
/// that every step gives the same bits.
/// </summary>
public sealed class GradientStepMeasurementTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Steps = 20;
    private readonly List<IAsyncDisposable> _members = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        for (var i = _members.Count - 1; i >= 0; i--) await _members[i].DisposeAsync();
    }

    [Fact]
    public async Task Spirals_mlp_step_times_on_1_2_3_members_against_in_process()
    {
        var (inputs, labels) = ActorGrad.Nodes.Models.Spirals.Generate(pointsPerClass: 1000, SpiralsMlp.Classes, seed: 3);
        var job = new GradientJob(SpiralsMlp.Spec(), SpiralsMlp.InitialParameters(seed: 1).ToDictionary(p => p.Name, p => p.Value),
            SpiralsMlp.Batch(inputs, labels), Shards: 8);

        InProcess(job); // warm-up
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < Steps; i++) InProcess(job);
        output.WriteLine($"in-process (SpecRunner, whole batch): {clock.Elapsed.TotalMilliseconds / Steps:0.0} ms per step");

        var first = await WorkerMember.StartAsync();
        _members.Add(first);
        var client = await GradientClient.JoinAsync(FastOptions(0, first.HostPort), Bound);
        _members.Insert(0, client);
        GradientResult? reference = null;
        for (var members = 1; members <= 3; members++)
        {
            if (members > 1) _members.Add(await WorkerMember.StartAsync(first.HostPort));
            await UntilWorkersUp(client, members);
            var warm = await Run(client, job);
            reference ??= warm;
            AssertBitwiseEqual(reference, warm);
            clock.Restart();
            for (var i = 0; i < Steps; i++) AssertBitwiseEqual(reference, await Run(client, job));
            output.WriteLine($"{members} member(s), {job.Shards} shards: {clock.Elapsed.TotalMilliseconds / Steps:0.0} ms per step");
        }
    }
}
