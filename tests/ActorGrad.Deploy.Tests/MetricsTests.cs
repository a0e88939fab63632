using System.Diagnostics.Metrics;
using ActorGrad.Cluster;
using ActorGrad.Cluster.Gradients;
using ActorGrad.Cluster.Metrics;
using ActorGrad.Nodes;
using ActorGrad.Nodes.Graph;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ActorGrad.Deploy.Tests;

/// <summary>The libraries' instruments, read with a MeterListener as any exporter would.</summary>
public sealed class MetricsTests : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Dictionary<string, double> _totals = [];
    private readonly Dictionary<string, int> _counts = [];

    public MetricsTests()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name is ClusterMetrics.MeterName or NodeMetrics.MeterName) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((i, value, _, _) => Add(i.Name, value));
        _listener.SetMeasurementEventCallback<double>((i, value, _, _) => Add(i.Name, value));
        _listener.Start();
    }

    private void Add(string name, double value)
    {
        lock (_totals)
        {
            _totals[name] = _totals.GetValueOrDefault(name) + value;
            _counts[name] = _counts.GetValueOrDefault(name) + 1;
        }
    }

    private double Total(string name) { lock (_totals) return _totals.GetValueOrDefault(name); }
    private int Count(string name) { lock (_totals) return _counts.GetValueOrDefault(name); }

    [Fact]
    public async Task AGradientJobMovesTheStepShardPassAndLaneCounters()
    {
        using var worker = await StartWorkerAsync();
        try
        {
            var seed = $"127.0.0.1:{Akka.Cluster.Cluster.Get(worker.Services.GetRequiredService<Akka.Actor.ActorSystem>()).SelfAddress.Port}";
            await using var client = await GradientClient.JoinAsync(new ClusterMemberOptions { Port = 0, Seeds = [seed] }, Repo.Bound(30));
            await client.WaitForWorkersAsync(1, Repo.Bound(30));
            await client.ComputeAsync(NodeEndpointsTests.SmallJob(shards: 3));
            await client.ComputeAsync(NodeEndpointsTests.SmallJob(shards: 3));
        }
        finally
        {
            await worker.StopAsync();
        }

        // This process is both the coordinating client and the worker: it counts both sides.
        Assert.Equal(2, Total("actorgrad.gradient.steps"));
        Assert.Equal(2, Count("actorgrad.gradient.step.duration"));
        Assert.Equal(6, Total("actorgrad.gradient.shards_run"));
        Assert.Equal(6, Count("actorgrad.gradient.pass.duration"));
        Assert.True(Total("actorgrad.gradient.pass.duration") > 0);
        Assert.Equal(0, Total("actorgrad.gradient.shards_rerun"));
        Assert.True(Total("actorgrad.lane.bytes_sent") > 0);
        // Every frame written on a lane of this process was read by a lane of this process.
        Assert.Equal(Total("actorgrad.lane.bytes_sent"), Total("actorgrad.lane.bytes_received"));
        Assert.Equal(Total("actorgrad.lane.messages_sent"), Total("actorgrad.lane.messages_received"));
    }

    [Fact]
    public void LiveNodesCountTheNodeActorsOfEverySession()
    {
        using var session = new Session();
        var before = ReadLiveNodes();
        var x = session.Arange(4).RequiresGrad();
        var y = 2 * Var.Dot(x, x);
        Assert.True(ReadLiveNodes() >= before + 3, $"{before} -> {ReadLiveNodes()}");
        Assert.Equal(NodeMetrics.LiveNodes, ReadLiveNodes());
        y.Backward();
        Assert.Equal(new float[] { 0, 4, 8, 12 }, x.Grad!.ToArray());
    }

    private long ReadLiveNodes()
    {
        long value = -1;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (i, l) => { if (i.Name == NodeMetrics.LiveNodesName) l.EnableMeasurementEvents(i); };
        listener.SetMeasurementEventCallback<long>((_, v, _, _) => value = v);
        listener.Start();
        listener.RecordObservableInstruments();
        return value;
    }

    private static async Task<IHost> StartWorkerAsync()
    {
        var options = new ClusterMemberOptions { Port = 0, Roles = [GradientRoles.Worker] };
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddClusterMember(options.Validate(), (akka, _) => akka.WithGradientService());
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    public void Dispose() => _listener.Dispose();
}
