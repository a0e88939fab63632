using ActorGrad.Cluster;
using ActorGrad.Cluster.Gradients;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using AkkaCluster = Akka.Cluster.Cluster;

namespace ActorGrad.Cli.Training;

/// <summary>
/// A cluster of worker members inside this process, for `actorgrad demo`: each is an ActorSystem of its own on a free
/// 127.0.0.1 port, talking to the others over Akka.Remote and our wire exactly as `actorgrad node` processes do, so
/// the demo leaves no process behind. Quick gossip (200 ms) so it forms in a second or two.
/// </summary>
internal sealed class LocalCluster : IAsyncDisposable
{
    private readonly List<IHost> _hosts = [];

    private LocalCluster() { }

    /// <summary>The first member's HOST:PORT (the seed the others joined through).</summary>
    public string Seed { get; private set; } = "";

    public int Members => _hosts.Count;

    public static async Task<LocalCluster> StartAsync(int members, CancellationToken cancel = default)
    {
        var cluster = new LocalCluster();
        try
        {
            for (var i = 0; i < members; i++)
            {
                var host = await StartMember(i == 0 ? null : cluster.Seed, cancel);
                cluster._hosts.Add(host);
                if (i == 0) cluster.Seed = $"127.0.0.1:{AkkaCluster.Get(host.Services.GetRequiredService<ActorSystem>()).SelfAddress.Port}";
            }
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Options of a demo member (a client uses them too): loopback, a free port, quick gossip.</summary>
    public static ClusterMemberOptions Options(string? seed) => new()
    {
        Host = "127.0.0.1",
        Port = 0,
        Seeds = seed is null ? [] : [seed],
        GossipInterval = TimeSpan.FromMilliseconds(200),
        LeaderActionsInterval = TimeSpan.FromMilliseconds(200),
        UnreachableNodesReaperInterval = TimeSpan.FromMilliseconds(200),
        HeartbeatInterval = TimeSpan.FromMilliseconds(500),
    };

    private static async Task<IHost> StartMember(string? seed, CancellationToken cancel)
    {
        var options = Options(seed);
        options.Roles.Add(GradientRoles.Worker);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddClusterMember(options.Validate(), (akka, _) =>
        {
            // The members leaving one after the other at the end log each other's disassociation as errors: expected
            // here, noise on the demo's screen. A job's failure still reaches the demo as an exception.
            akka.AddHocon("akka.loglevel = OFF\nakka.stdout-loglevel = OFF", HoconAddMode.Prepend);
            akka.WithGradientService();
        });
        var host = builder.Build();
        await host.StartAsync(cancel);
        return host;
    }

    /// <summary>Every member leaves (the last one first) and its ActorSystem ends.</summary>
    public async ValueTask DisposeAsync()
    {
        for (var i = _hosts.Count - 1; i >= 0; i--)
        {
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try { await _hosts[i].StopAsync(bound.Token); }
            catch (OperationCanceledException) { /* stopped as far as it could within the bound */ }
            finally { _hosts[i].Dispose(); }
        }
        _hosts.Clear();
    }
}
