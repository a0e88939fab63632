using ActorGrad.Engine.Actors;
using ActorGrad.Engine.Cluster;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using EngineLogLevel = ActorGrad.Engine.Actors.LogLevel;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace ActorGrad.Cli.Node;

/// <summary>
/// Runs one cluster member for the lifetime of the host: starts it, hosts /user/echo, logs one line
/// per membership change with the whole view, leaves the cluster on shutdown (SIGTERM, Ctrl-C), and
/// stops the host when the cluster removes this member.
/// </summary>
internal sealed class NodeService(IOptions<NodeOptions> options, ILoggerFactory loggers, IHostApplicationLifetime lifetime, NodeExit exit) : IHostedService
{
    private readonly ILogger logger = loggers.CreateLogger("node");
    private Cluster? _cluster;
    private readonly List<IDisposable> _subscriptions = [];
    private volatile bool _stopping;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value.ToClusterSettings();
        // The node's own logger writes the runtime's log lines, so the actor system writes none to stderr.
        var cluster = await Cluster.StartAsync(settings, new ActorSystemSettings { ConsoleLogLevel = null });
        _cluster = cluster;
        _subscriptions.Add(cluster.System.EventStream.Subscribe<LogEvent>(Forward));
        _subscriptions.Add(cluster.System.EventStream.Subscribe<ClusterEvent>(e =>
            logger.LogInformation("Membership: {Event} {Member}; members: {Members}", e.GetType().Name, e.Member.Address, Describe(cluster.Members))));
        cluster.System.ActorOf(Props.Create(() => new EchoActor()), EchoActor.Name);
        logger.LogInformation("Listening on {HostPort} uid={Uid} as {Address}; seeds: {Seeds}",
            cluster.SelfAddress.HostPort, cluster.SelfAddress.Uid, cluster.SelfAddress, settings.Seeds.Count == 0 ? "none (this node forms the cluster)" : string.Join(", ", settings.Seeds));
        _ = cluster.WhenUp.ContinueWith(_ => logger.LogInformation("This member is Up"), TaskContinuationOptions.OnlyOnRanToCompletion);
        _ = cluster.WhenRemoved.ContinueWith(_ => OnRemoved(), TaskScheduler.Default);
    }

    private void OnRemoved()
    {
        if (_stopping) return;
        logger.LogError("This member was removed from the cluster (downed by the others); stopping");
        exit.Code = NodeExit.RemovedByCluster;
        lifetime.StopApplication();
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        if (_cluster is null) return;
        logger.LogInformation("Leaving the cluster");
        await _cluster.DisposeAsync();
        foreach (var s in _subscriptions) s.Dispose();
        logger.LogInformation("Stopped");
    }

    private void Forward(LogEvent e)
    {
        var level = e.Level switch
        {
            EngineLogLevel.Debug => LogLevel.Debug,
            EngineLogLevel.Info => LogLevel.Information,
            EngineLogLevel.Warning => LogLevel.Warning,
            _ => LogLevel.Error,
        };
        logger.Log(level, e.Cause, "[{Source}] {Message}", e.Source, e.Message);
    }

    private static string Describe(IReadOnlyList<Member> members) => string.Join(", ", members.Select(m => m.ToString()));
}

/// <summary>The process exit code a node ends with, set by whoever decides the node must stop.</summary>
internal sealed class NodeExit
{
    public const int RemovedByCluster = 3;
    public int Code { get; set; }
}
