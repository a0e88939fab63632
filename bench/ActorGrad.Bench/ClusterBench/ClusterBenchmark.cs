using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using ActorGrad.Cluster.Lanes;
using Akka.Actor;
using AkkaCluster = Akka.Cluster.Cluster;
using MemberStatus = Akka.Cluster.MemberStatus;

namespace ActorGrad.Bench.ClusterBench;

/// <summary>
/// `cluster [lane|lane-plaintext|raw|akka ...]`: moving tensors between two Akka.Cluster members in two processes on
/// loopback. This process is member A, the sender; it starts member B (`cluster-peer`, the receiver) itself
/// and always stops it at the end. Per tensor size (1 MiB, 64 MiB of float32 bytes): the tensor lane (mutual
/// TLS; and, in a second pair of processes, plaintext), a raw TCP socket pair between the same processes (the ceiling), the same over TLS, and
/// Akka.Remote with 80 MiB frames for reference. A round of sends ends with an end marker behind them that B's
/// sink answers with what it counted, so a round is timed until B has everything; each figure is the median of
/// its timed rounds after a warm-up round. Unreachable events seen by either member during a figure are counted.
/// </summary>
internal static class ClusterBenchmark
{
    private const int MiB = 1 << 20;
    private const int WarmupRounds = 1;
    private const int TimedRounds = 3;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(180);
    private static readonly string[] Figures = ["lane", "lane-plaintext", "raw", "akka"];

    /// <summary>Per size: messages per round on the lane and raw TCP (256 MiB a round), and on Akka.Remote (slow: fewer).</summary>
    private static readonly Workload[] Workloads =
    [
        new("1 MiB", MiB, 256, 64),
        new("64 MiB", 64 * MiB, 4, 2),
    ];

    private sealed record Workload(string Name, int Bytes, int Messages, int AkkaMessages);

    private sealed record Figure(double MBps, long UnreachableA, long UnreachableB);

    public static int Run(string[] args)
    {
        foreach (var a in args)
            if (!Figures.Contains(a))
            {
                Console.Error.WriteLine($"cluster: unknown figure '{a}'; the figures are {string.Join(", ", Figures)}.");
                return 2;
            }
        try
        {
            return RunAsync(args.Length == 0 ? Figures : args).GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"cluster: the benchmark failed: {e}");
            return 1;
        }
    }

    private static async Task<int> RunAsync(string[] figures)
    {
        var total = Stopwatch.StartNew();
        var ca = new BenchCa();
        var certificates = Directory.CreateTempSubdirectory("actorgrad-cluster-bench-");
        try
        {
            File.WriteAllBytes(Path.Combine(certificates.FullName, BenchMember.CaFile), ca.Certificate.Export(X509ContentType.Cert));
            File.WriteAllBytes(Path.Combine(certificates.FullName, BenchMember.PeerCertificateFile), ca.Member("member-b").Export(X509ContentType.Pkcs12));
            var rows = Workloads.Select(w => new Row(w)).ToList();
            if (figures.Intersect(["lane", "raw", "akka"]).Any())
                await SessionAsync(ca, certificates.FullName, plaintextLane: false, figures, rows);
            // A second pair of processes whose lanes run without TLS (the loopback / trusted-network setting).
            if (figures.Contains("lane-plaintext"))
                await SessionAsync(ca, certificates.FullName, plaintextLane: true, ["lane"], rows);
            Print(rows);
            Log($"total {total.Elapsed.TotalSeconds:F1} s");
            return 0;
        }
        finally
        {
            certificates.Delete(recursive: true);
        }
    }

    private sealed class Row(Workload w)
    {
        public Workload W { get; } = w;
        public Figure? Lane, LanePlaintext, Raw, RawTls, Akka;
    }

    /// <summary>Starts member A here and B as a second process, runs the figures asked for, stops both.</summary>
    private static async Task SessionAsync(BenchCa ca, string certificates, bool plaintextLane, string[] figures, List<Row> rows)
    {
        var watch = Stopwatch.StartNew();
        var system = ActorSystem.Create(BenchMember.SystemName, BenchMember.Setup(ca.Certificate, ca.Member("member-a"), plaintextLane));
        PeerProcess? peer = null;
        try
        {
            var lane = TensorLane.Get(system);
            var cluster = AkkaCluster.Get(system);
            var ownSink = system.ActorOf(Props.Create(() => new SinkActor()), "sink");
            cluster.Join(cluster.SelfAddress);
            peer = PeerProcess.Start(cluster.SelfAddress.ToString(), certificates, plaintextLane);
            var (rawPort, rawTlsPort) = await peer.WaitReadyAsync(TimeSpan.FromSeconds(90));
            var b = await OtherUpMemberAsync(cluster);
            var sink = ((ExtendedActorSystem)system).Provider.ResolveActorRef(new RootActorPath(b) / "user" / "sink");
            Log($"peer up after {watch.Elapsed.TotalSeconds:F1} s: {b}; lane port {lane.Port} ({(plaintextLane ? "plaintext" : "mutual TLS")}), raw TCP {rawPort}, raw TLS {rawTlsPort}");

            using var raw = new RawTcp.Client(rawPort, null);
            using var rawTls = new RawTcp.Client(rawTlsPort, ca.Certificate);
            var laneName = plaintextLane ? "lane (plaintext)" : "lane (mutual TLS)";
            foreach (var row in rows)
            {
                var w = row.W;
                var message = new byte[w.Bytes];
                Random.Shared.NextBytes(message);
                if (figures.Contains("lane"))
                {
                    var figure = await MedianAsync(system, $"{laneName} {w.Name}", w.Bytes, w.Messages, ownSink,
                        inbox => { for (var i = 0; i < w.Messages; i++) lane.Tell(sink, message); lane.Tell(sink, SinkActor.EndMarker, inbox); });
                    if (plaintextLane) row.LanePlaintext = figure;
                    else row.Lane = figure;
                }
                if (figures.Contains("raw"))
                {
                    row.Raw = Median($"raw TCP {w.Name}", w.Bytes, w.Messages, () => raw.Stream((long)w.Bytes * w.Messages, w.Bytes));
                    row.RawTls = Median($"raw TLS {w.Name}", w.Bytes, w.Messages, () => rawTls.Stream((long)w.Bytes * w.Messages, w.Bytes));
                }
            }
            // Last: a 64 MiB message on Akka.Remote delays heartbeats enough to mark members unreachable.
            if (figures.Contains("akka"))
                foreach (var row in rows)
                {
                    var w = row.W;
                    var message = new byte[w.Bytes];
                    Random.Shared.NextBytes(message);
                    row.Akka = await MedianAsync(system, $"Akka.Remote {w.Name}", w.Bytes, w.AkkaMessages, ownSink,
                        inbox => { for (var n = 0; n < w.AkkaMessages; n++) sink.Tell(message); sink.Tell(SinkActor.EndMarker, inbox); },
                        timed: 1);
                }
        }
        finally
        {
            peer?.Dispose();
            await system.Terminate().WaitAsync(TimeSpan.FromSeconds(15)).ContinueWith(_ => { });
        }
    }

    /// <summary>
    /// Rounds of <paramref name="send"/> (which ends with the end marker, replied to the inbox); each round's
    /// time runs until B's sink answered. Checks B counted every message and byte.
    /// </summary>
    private static async Task<Figure> MedianAsync(ActorSystem system, string what, int bytes, int messages, IActorRef ownSink, Action<IActorRef> send, int timed = TimedRounds)
    {
        var times = new List<double>();
        long unreachableA = 0, unreachableB = 0;
        using var inbox = Inbox.Create(system);
        for (var round = 0; round < WarmupRounds + timed; round++)
        {
            var watch = Stopwatch.StartNew();
            send(inbox.Receiver);
            var reply = (string)await inbox.ReceiveAsync(Bound);
            var seconds = watch.Elapsed.TotalSeconds;
            var parts = reply.Split(' ').Select(p => long.Parse(p, CultureInfo.InvariantCulture)).ToArray();
            if (parts[0] != messages || parts[1] != (long)messages * bytes)
                throw new InvalidOperationException($"{what}: B counted {parts[0]} messages and {parts[1]} bytes of {messages} and {(long)messages * bytes}.");
            unreachableB += parts[2];
            unreachableA += OwnUnreachable(ownSink);
            if (round >= WarmupRounds) times.Add(seconds);
        }
        return new Figure((double)bytes * messages / MedianOf(what, times) / 1e6, unreachableA, unreachableB);
    }

    private static long OwnUnreachable(IActorRef ownSink)
    {
        var reply = ownSink.Ask<string>(SinkActor.EndMarker, TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
        return long.Parse(reply.Split(' ')[2], CultureInfo.InvariantCulture);
    }

    private static Figure Median(string what, int bytes, int messages, Func<double> round)
    {
        for (var i = 0; i < WarmupRounds; i++) round();
        var times = new List<double>();
        for (var i = 0; i < TimedRounds; i++) times.Add(round());
        return new Figure((double)bytes * messages / MedianOf(what, times) / 1e6, 0, 0);
    }

    private static double MedianOf(string what, List<double> times)
    {
        times.Sort();
        Log($"{what}: rounds {string.Join(" ", times.Select(t => (t * 1e3).ToString("F0", CultureInfo.InvariantCulture)))} ms");
        return times[times.Count / 2];
    }

    private static void Print(List<Row> rows)
    {
        Console.WriteLine("| tensor | messages a round (lane, raw / Akka.Remote) | lane, mutual TLS | lane, plaintext | raw TCP | raw TLS | Akka.Remote, 80 MiB frames | TLS lane / raw TCP | TLS lane / raw TLS | plaintext lane / raw TCP | unreachable events A+B: lane | Akka.Remote |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.W.Name} | {r.W.Messages} / {r.W.AkkaMessages} | {Mbps(r.Lane)} | {Mbps(r.LanePlaintext)} | {Mbps(r.Raw)} | {Mbps(r.RawTls)} | {Mbps(r.Akka)} | {Ratio(r.Lane, r.Raw)} | {Ratio(r.Lane, r.RawTls)} | {Ratio(r.LanePlaintext, r.Raw)} | {Events(r.Lane, r.LanePlaintext)} | {Events(r.Akka)} |"));
        Console.WriteLine("(MB/s of payload, MB = 10^6 bytes)");
    }

    private static string Mbps(Figure? f) => f is null ? "-" : f.MBps.ToString("N0", CultureInfo.InvariantCulture);

    private static string Ratio(Figure? a, Figure? b) => a is null || b is null ? "-" : (a.MBps / b.MBps).ToString("F2", CultureInfo.InvariantCulture);

    private static string Events(params Figure?[] figures)
    {
        var seen = figures.OfType<Figure>().ToList();
        return seen.Count == 0 ? "-" : $"{seen.Sum(f => f.UnreachableA)}+{seen.Sum(f => f.UnreachableB)}";
    }

    private static async Task<Address> OtherUpMemberAsync(AkkaCluster cluster)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(60))
        {
            var other = cluster.State.Members.FirstOrDefault(m => m.Address != cluster.SelfAddress && m.Status == MemberStatus.Up);
            if (other is not null) return other.Address;
            await Task.Delay(50);
        }
        throw new TimeoutException("The peer process did not become an Up member within 60 s.");
    }

    private static void Log(string line) => Console.Error.WriteLine(line);
}
