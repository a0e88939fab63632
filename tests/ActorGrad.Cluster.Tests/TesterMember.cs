using Akka.Actor;
using Akka.Cluster;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit.Abstractions;
using static ActorGrad.Cluster.Tests.ClusterTestSettings;
using AkkaCluster = Akka.Cluster.Cluster;
using TestKit = Akka.TestKit.Xunit2.TestKit;

namespace ActorGrad.Cluster.Tests;

/// <summary>
/// This test process as one more cluster member (the "tester"), configured with the same
/// Akka.Hosting extension as `actorgrad node`. It talks to the nodes' /user/echo actors and
/// watches membership through Akka.TestKit probes.
/// </summary>
internal sealed class TesterMember : IAsyncDisposable
{
    private readonly IHost _host;

    private TesterMember(IHost host, ActorSystem system, ITestOutputHelper? output)
    {
        _host = host;
        System = system;
        Cluster = AkkaCluster.Get(system);
        Kit = new TestKit(system, output);
    }

    public ActorSystem System { get; }
    public AkkaCluster Cluster { get; }
    public TestKit Kit { get; }

    /// <summary>Starts a member with these options and returns once it is Up.</summary>
    public static async Task<TesterMember> StartAsync(ClusterMemberOptions options, ITestOutputHelper? output = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddClusterMember(options.Validate(), (akka, _) =>
            akka.ConfigureLoggers(l => l.LogLevel = Akka.Event.LogLevel.WarningLevel));
        var host = builder.Build();
        await host.StartAsync();
        var system = host.Services.GetRequiredService<ActorSystem>();
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        AkkaCluster.Get(system).RegisterOnMemberUp(() => up.TrySetResult());
        try { await up.Task.WaitAsync(Bound); }
        catch (TimeoutException)
        {
            await host.StopAsync();
            host.Dispose();
            throw new TimeoutException($"The tester did not become Up within {Bound.TotalSeconds:0} s (seeds: {string.Join(", ", options.Seeds)}).");
        }
        return new TesterMember(host, system, output);
    }

    /// <summary>The node's /user/echo, resolved (so Watch and Ask target one incarnation).</summary>
    public Task<IActorRef> EchoOf(NodeProcess node) => System.ActorSelection($"{node.Address}/user/echo").ResolveOne(Bound);

    public Member? MemberOf(NodeProcess node) =>
        Cluster.State.Members.FirstOrDefault(m => m.Address.ToString() == node.Address && m.UniqueAddress.Uid == node.Uid);

    /// <summary>Until the tester sees every node Up and reachable (bounded).</summary>
    public Task WaitUntilAllUp(params NodeProcess[] nodes) =>
        Kit.AwaitConditionAsync(() => Task.FromResult(nodes.All(n =>
                MemberOf(n) is { Status: MemberStatus.Up } m && !Cluster.State.Unreachable.Contains(m))),
            Bound, $"the tester sees {string.Join(", ", nodes.Select(n => n.ToString()))} Up");

    /// <summary>A probe told every membership and reachability change from now on.</summary>
    public Akka.TestKit.TestProbe SubscribeToClusterEvents()
    {
        var probe = Kit.CreateTestProbe();
        Cluster.Subscribe(probe.Ref, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
        return probe;
    }

    public async ValueTask DisposeAsync()
    {
        // Leaves the cluster (CoordinatedShutdown) like any member stopped by its host.
        using var cts = new CancellationTokenSource(Bound);
        try { await _host.StopAsync(cts.Token); }
        finally { _host.Dispose(); }
    }
}
