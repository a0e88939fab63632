using System.Globalization;
using ActorGrad.Bench.Micro;
using ActorGrad.Engine.Actors;
using ActorGrad.Engine.Cluster;
using ActorGrad.Engine.Tensors;
using ClusterMember = ActorGrad.Engine.Cluster.Cluster;

namespace ActorGrad.Bench.ClusterBench;

/// <summary>
/// Counts what it receives (a tensor is disposed at once); the end marker replies with the count and
/// resets it; the stats marker replies with this process's <see cref="GcStats"/>.
/// </summary>
internal sealed class SinkActor : ActorBase
{
    private long _count;

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case string s when s == ClusterPeer.EndMarker:
                Sender.Tell(_count, Self);
                _count = 0;
                break;
            case string s when s == ClusterPeer.StatsMarker:
                Sender.Tell(GcStats.Take().ToWire(), Self);
                break;
            case Tensor t:
                _count++;
                t.Dispose();
                break;
            default:
                _count++;
                break;
        }
    }
}

/// <summary>
/// The second process of the cluster benchmark (`cluster-peer`, started by `cluster`): joins the
/// benchmark's member, hosts /user/sink and /user/echo and the raw TCP receiver, prints
/// "READY &lt;raw port&gt;" on stdout, and exits on "quit" or at the end of its stdin (so it never
/// outlives the benchmark process), or after a watchdog's few minutes at the latest.
/// </summary>
internal static class ClusterPeer
{
    public const string EndMarker = "end";
    public const string StatsMarker = "stats";
    public const string ReadyPrefix = "READY ";
    private static readonly TimeSpan Watchdog = TimeSpan.FromMinutes(5);

    /// <summary>Clocks for a saturated 2-core machine: a heartbeat queued behind a flood of messages is no failure.</summary>
    public static ClusterSettings Settings(string name, byte[] secret, params string[] seeds) => new()
    {
        SystemName = name,
        Secret = secret,
        Host = "127.0.0.1",
        Port = 0,
        Seeds = seeds,
        GossipInterval = TimeSpan.FromMilliseconds(200),
        HeartbeatInterval = TimeSpan.FromMilliseconds(500),
        AcceptableHeartbeatPause = TimeSpan.FromSeconds(20),
        DownUnreachableAfter = TimeSpan.FromSeconds(60),
        // A member that left is forgotten at the next tick, before anything more is gossiped to its closed port.
        RemoveDownAfter = TimeSpan.FromMilliseconds(10),
    };

    public static int Run(string[] args)
    {
        string? seed = null, secret = null;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--seed": seed = args[i + 1]; break;
                case "--secret": secret = args[i + 1]; break;
                default: throw new ArgumentException($"cluster-peer: unknown argument '{args[i]}'.");
            }
        }
        if (seed is null || secret is null) throw new ArgumentException("cluster-peer needs --seed host:port and --secret hex.");
        using var watchdog = new Timer(_ =>
        {
            Console.Error.WriteLine($"cluster-peer: still running after {Watchdog.TotalMinutes} minutes; exiting.");
            Environment.Exit(3);
        }, null, Watchdog, Timeout.InfiniteTimeSpan);
        var cluster = ClusterMember.StartAsync(Settings("peer", Convert.FromHexString(secret), seed)).GetAwaiter().GetResult();
        using var listener = RawTcp.Listen();
        try
        {
            cluster.System.ActorOf(Props.Create(() => new SinkActor()), "sink");
            cluster.System.ActorOf(Props.Create(() => new PongActor()), "echo");
            var raw = new Thread(() =>
            {
                try { RawTcp.Serve(listener); }
                catch (Exception e) when (e is System.Net.Sockets.SocketException or ObjectDisposedException) { }
            }) { IsBackground = true, Name = "raw-tcp" };
            raw.Start();
            cluster.WhenUp.WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{ReadyPrefix}{RawTcp.PortOf(listener)}"));
            Console.Out.Flush();

            // "quit" or the end of stdin (the benchmark process closed it, or died) ends this process.
            // Read on the main thread, so that no thread-pool thread sits blocked in it.
            string? line;
            while ((line = Console.In.ReadLine()) is not null && line != "quit") { }
            cluster.LeaveAsync(TimeSpan.FromSeconds(1)).GetAwaiter().GetResult();
            return 0;
        }
        finally
        {
            cluster.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}

/// <summary>A process's allocations and collections so far, for the diagnostics on stderr.</summary>
internal readonly record struct GcStats(long Allocated, int Gen0, int Gen1, int Gen2, double PausedMs)
{
    public static GcStats Take() => new(GC.GetTotalAllocatedBytes(), GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration().TotalMilliseconds);

    public string ToWire() => string.Create(CultureInfo.InvariantCulture, $"{Allocated} {Gen0} {Gen1} {Gen2} {PausedMs}");

    public static GcStats FromWire(string text)
    {
        var p = text.Split(' ');
        var c = CultureInfo.InvariantCulture;
        return new(long.Parse(p[0], c), int.Parse(p[1], c), int.Parse(p[2], c), int.Parse(p[3], c), double.Parse(p[4], c));
    }

    public string Since(GcStats before, int messages) => string.Create(CultureInfo.InvariantCulture,
        $"allocated {(double)(Allocated - before.Allocated) / messages:F0} B/msg, GCs {Gen0 - before.Gen0}/{Gen1 - before.Gen1}/{Gen2 - before.Gen2} (gen0/1/2), paused {PausedMs - before.PausedMs:F0} ms");
}
