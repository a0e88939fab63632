using System.Collections.Immutable;
using ActorGrad.Cluster.Metrics;
using ActorGrad.Nodes.Specs;
using ActorGrad.Protocol.Gradients;
using ActorGrad.Protocol.Serialization;
using ActorGrad.Protocol.Tensors;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using AkkaCluster = Akka.Cluster.Cluster;

namespace ActorGrad.Cluster.Gradients;

/// <summary>
/// Submits gradient jobs to the cluster: <see cref="JoinAsync"/> joins as a member with role `client` (it gets no
/// shards and no owners), <see cref="ComputeAsync"/> runs a job and returns its loss and gradients. A job's
/// coordinator runs in this member. Errors from members arrive as <see cref="GradientJobException"/>s that name
/// the member and say why.
/// </summary>
public sealed class GradientClient : IAsyncDisposable
{
    private readonly IHost? _host;
    private readonly ITensorMessageSender _sender;

    /// <summary>A client on an ActorSystem that is already a cluster member (its own program's).</summary>
    public GradientClient(ActorSystem system, ITensorMessageSender? sender = null)
    {
        System = system;
        _sender = sender ?? TensorSenders.For(system);
    }

    private GradientClient(IHost host, ActorSystem system) : this(system) => _host = host;

    public ActorSystem System { get; }

    /// <summary>Joins the cluster the options name as a member with role `client`, and returns once it is Up (or fails after <paramref name="upWithin"/>).</summary>
    public static async Task<GradientClient> JoinAsync(ClusterMemberOptions options, TimeSpan? upWithin = null, CancellationToken cancel = default)
    {
        if (!options.Roles.Contains(GradientRoles.Client)) options.Roles.Add(GradientRoles.Client);
        var settings = options.Validate();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddClusterMember(settings, (akka, _) => akka.ConfigureLoggers(l => l.LogLevel = Akka.Event.LogLevel.WarningLevel));
        var host = builder.Build();
        await host.StartAsync(cancel);
        var system = host.Services.GetRequiredService<ActorSystem>();
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        AkkaCluster.Get(system).RegisterOnMemberUp(() => up.TrySetResult());
        var bound = upWithin ?? TimeSpan.FromSeconds(30);
        try
        {
            await up.Task.WaitAsync(bound, cancel);
        }
        catch (TimeoutException)
        {
            await host.StopAsync(CancellationToken.None);
            host.Dispose();
            throw new TimeoutException($"The client did not become Up within {bound.TotalSeconds:0} s (seeds: {string.Join(", ", settings.Seeds)}).");
        }
        return new GradientClient(host, system);
    }

    /// <summary>
    /// Runs <paramref name="job"/> on the worker members and returns the batch's loss and gradients. The spec is
    /// checked by the members that receive it; <paramref name="progress"/> is told each finished shard (on the
    /// coordinator's thread: keep it short).
    /// </summary>
    public Task<GradientResult> ComputeAsync(GradientJob job, Action<ShardProgress>? progress = null)
    {
        var submitted = global::System.Diagnostics.Stopwatch.GetTimestamp();
        ArgumentNullException.ThrowIfNull(job);
        var spec = job.Spec ?? throw new ArgumentException("The job has no spec.", nameof(job));
        if (job.Timeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(job), $"The job's timeout must be positive, not {job.Timeout}.");
        if (spec.DataInputs.IsDefaultOrEmpty) throw new SpecRejectedException("The spec has no data input to shard the batch along.");
        var parameters = spec.Parameters.IsDefault ? [] : spec.Parameters
            .Select(p => job.Parameters.TryGetValue(p.Name, out var value) ? (ITensorPayload)value
                : throw new ArgumentException($"The job has no value for the spec's parameter '{p.Name}'.", nameof(job)))
            .ToImmutableArray();
        // Each shard's data is a view of the batch (no copy): the lane encodes it straight from the batch's storage.
        var shards = BatchShards.Ranges(spec, job.Batch, job.Shards)
            .Select(range => spec.DataInputs.Select(d => job.Batch.TryGetValue(d.Name, out var input)
                    ? ShardView.Of(input, d.BatchAxis, range.Start, range.Size)
                    : throw new SpecRejectedException($"Data input '{d.Name}' is missing from the batch."))
                .ToImmutableArray())
            .ToArray();
        var first = spec.DataInputs[0];
        var fullBatchSize = job.Batch[first.Name].Shape[first.BatchAxis];

        var jobId = Guid.NewGuid().ToString("N");
        CheckFrameSize(new PrepareJob(jobId, job.Step, spec, parameters, fullBatchSize), "the spec and the parameters");
        CheckFrameSize(new RunShard(jobId, job.Step, 0, 0, 0, 0, 0, shards[0], new string('x', 120), [.. parameters.Select(_ => new string('x', 120))]), "a shard of its data");
        if (StepTimeline.Enabled) StepTimeline.Record(jobId, "client: submit", submitted);
        var completion = new TaskCompletionSource<GradientResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        System.ActorOf(JobCoordinator.Props(jobId, job, parameters, shards, fullBatchSize, completion, progress, _sender), $"gradient-job-{jobId}");
        if (StepTimeline.Enabled) StepTimeline.Record(jobId, "client: coordinator created");
        return completion.Task;
    }

    /// <summary>
    /// The job's setup and its largest shard (shard 0) must fit what carries them: the member's tensor lane, or
    /// Akka.Remote's frame where a system has no lane (Akka.Remote would drop a larger message with a log line and
    /// the job would only end at its time bound). Say so now.
    /// </summary>
    private void CheckFrameSize(object message, string what)
    {
        var (limit, carrier, advice) = _sender is LaneTensorSender lane
            ? ((long?)lane.Lane.MaxMessageBytes, "the tensor lane's largest message", "raise TensorLaneSettings.MaxMessageBytes")
            : (System.Settings.Config.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size", null),
               "Akka.Remote's frame", "raise MaximumFrameSize (Node:MaximumFrameSize) on every member");
        if (limit is not { } max) return; // not a remoting system: nothing leaves the process
        var bytes = WireCodec.SizeOf(message); // counted, not encoded: the setup holds every parameter
        if (bytes > max)
            throw new ArgumentException(
                $"This job's message with {what} is {bytes:N0} bytes on the wire, more than {carrier} of {max:N0} bytes: " +
                $"{(message is RunShard ? "use more shards, or " : "")}{advice}.");
    }

    /// <summary>Returns once this member sees at least <paramref name="count"/> Up workers; a TimeoutException after <paramref name="within"/>.</summary>
    public async Task<int> WaitForWorkersAsync(int count, TimeSpan within, CancellationToken cancel = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var seen = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var watcher = System.ActorOf(WorkersUpWatcher.Props(count, seen));
        try { return await seen.Task.WaitAsync(within, cancel); }
        catch (TimeoutException) { throw new TimeoutException($"Fewer than {count} Up member(s) with role '{GradientRoles.Worker}' within {within.TotalSeconds:0} s."); }
        finally { System.Stop(watcher); }
    }

    /// <summary>Leaves the cluster when this client joined it itself.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_host is null) return;
        try { await _host.StopAsync(CancellationToken.None); }
        finally { _host.Dispose(); }
    }
}
