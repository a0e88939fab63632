using ActorGrad.Cluster.Gradients;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static ActorGrad.Cluster.Tests.ClusterTestSettings;
using AkkaCluster = Akka.Cluster.Cluster;

namespace ActorGrad.Cluster.Tests.Gradients;

/// <summary>
/// A gradient worker as an ActorSystem in this test process (role worker, /user/gradients), on 127.0.0.1 with the
/// test clocks, configured exactly as `actorgrad node` configures one. <see cref="Crash"/> ends it without leaving.
/// </summary>
internal sealed class WorkerMember : IAsyncDisposable
{
    private readonly IHost _host;

    private WorkerMember(IHost host, ActorSystem system)
    {
        _host = host;
        System = system;
    }

    public ActorSystem System { get; }
    public Address Address => AkkaCluster.Get(System).SelfAddress;
    public string HostPort => $"127.0.0.1:{Address.Port}";

    /// <summary>A worker seeded by <paramref name="seed"/> (none: it forms the cluster), with the test clocks or <paramref name="clocks"/>; returns once it is Up.</summary>
    public static async Task<WorkerMember> StartAsync(string? seed = null, ITensorMessageSender? sender = null, IReadOnlyDictionary<string, TimeSpan>? clocks = null)
    {
        var options = seed is null ? OptionsWith(clocks ?? FastClocks, 0) : OptionsWith(clocks ?? FastClocks, 0, seed);
        options.Roles.Add(GradientRoles.Worker);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddClusterMember(options.Validate(), (akka, _) =>
        {
            akka.ConfigureLoggers(l => l.LogLevel = Akka.Event.LogLevel.WarningLevel);
            akka.WithGradientService(sender);
        });
        var host = builder.Build();
        await host.StartAsync();
        var system = host.Services.GetRequiredService<ActorSystem>();
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        AkkaCluster.Get(system).RegisterOnMemberUp(() => up.TrySetResult());
        await up.Task.WaitAsync(Bound);
        return new WorkerMember(host, system);
    }

    /// <summary>
    /// Ends the member at once: its transport stops without a goodbye to the cluster (no Leave), as a crashed
    /// process's would; the others find it unreachable and the resolver downs it.
    /// </summary>
    public void Crash()
    {
        // Abort skips CoordinatedShutdown's cluster-leave phases.
        CoordinatedShutdown.Get(System).Run(CoordinatedShutdown.ClrExitReason.Instance, CoordinatedShutdown.PhaseActorSystemTerminate);
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(Bound);
        try { await _host.StopAsync(cts.Token); }
        catch (OperationCanceledException) { /* already gone */ }
        finally { _host.Dispose(); }
    }
}

/// <summary>A member's tensor seam that never delivers: its owners never report and its gradients never arrive, so a
/// step cannot finish until that member is lost and its work redone elsewhere (a member stalled mid-step).</summary>
internal sealed class StalledSender : ITensorMessageSender
{
    public bool Send(ICanTell target, object message, IActorRef sender) => false; // nothing was serialized: the tensors stay as they are
}
