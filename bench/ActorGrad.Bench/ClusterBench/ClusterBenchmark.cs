using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography.X509Certificates;
using ActorGrad.Cluster.Lanes;
using ActorGrad.Engine.Tensors;
using ActorGrad.Protocol.Nodes;
using Akka.Actor;
using AkkaCluster = Akka.Cluster.Cluster;
using MemberStatus = Akka.Cluster.MemberStatus;

namespace ActorGrad.Bench.ClusterBench;

/// <summary>
/// `cluster [lane|lane-plaintext|raw|akka ...]`: moving tensors between two Akka.Cluster members in two processes on
/// loopback (and, for the choice of transport, a Kestrel connection handler). This process is member A, the sender; it starts member B (`cluster-peer`, the receiver) itself
/// and always stops it at the end. Per tensor size (1 MiB, 64 MiB of float32 bytes): the tensor lane (mutual
/// TLS; and, in a second pair of processes, plaintext), a raw TCP socket pair between the same processes (the ceiling), the same over TLS, and
/// Akka.Remote with 80 MiB frames for reference. A round of sends ends with an end marker behind them that B's
/// sink answers with what it counted, so a round is timed until B has everything; each figure is the median of
/// its timed rounds after a warm-up round, the kinds taking turns round by round. Unreachable events seen by either member during a figure are counted.
/// </summary>
internal static class ClusterBenchmark
{
    private const int MiB = 1 << 20;
    private const int WarmupRounds = 1;
    private const int TimedRounds = 5;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(180);
    private static readonly string[] Figures = ["lane", "lane-plaintext", "raw", "akka"];

    /// <summary>Per size: messages per round on the lane and raw TCP (256 MiB a round), and on Akka.Remote (slow: fewer).</summary>
    private static readonly Workload[] Workloads =
    [
        new("1 MiB", MiB, 256, 64),
        new("64 MiB", 64 * MiB, 4, 4),
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
                await SessionAsync(ca, certificates.FullName, plaintextLane: true, figures.Contains("raw") ? ["lane", "raw"] : ["lane"], rows);
            Print(rows);
            Log($"total {total.Elapsed.TotalSeconds:F1} s");
            return 0;
        }
        finally
        {
            certificates.Delete(recursive: true);
        }
    }

    /// <summary>One workload's figures: each path's, with the raw TCP and raw TLS figures of the same pair of processes.</summary>
    private sealed class Row(Workload w)
    {
        public Workload W { get; } = w;
        public List<(string Path, Figure Figure, Figure? RawTcp, Figure? RawTls)> Paths { get; } = [];
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
            var (rawPort, rawTlsPort, kestrelPort) = await peer.WaitReadyAsync(TimeSpan.FromSeconds(90));
            var b = await OtherUpMemberAsync(cluster);
            var sink = ((ExtendedActorSystem)system).Provider.ResolveActorRef(new RootActorPath(b) / "user" / "sink");
            Log($"peer up after {watch.Elapsed.TotalSeconds:F1} s: {b}; lane port {lane.Port} ({(plaintextLane ? "plaintext" : "mutual TLS")}), raw TCP {rawPort}, raw TLS {rawTlsPort}");

            using var raw = new RawTcp.Client(rawPort, null);
            using var rawTls = new RawTcp.Client(rawTlsPort, ca.Certificate);
            using var kestrel = new RawTcp.Client(kestrelPort, null);
            var laneName = plaintextLane ? "lane (plaintext)" : "lane (mutual TLS)";
            using var inbox = Inbox.Create(system);
            foreach (var row in rows)
            {
                var w = row.W;
                var message = new byte[w.Bytes];
                Random.Shared.NextBytes(message);
                // An Engine tensor of the same bytes, in pooled storage, sent as the Gradient message a node sends.
                using var tensor = Tensor.FromArray(MemoryMarshal.Cast<byte, float>(message).ToArray());
                // The kinds take turns round by round, so a burst of load from elsewhere on the machine falls on all of them.
                var kinds = new List<(string What, Func<Task<Round>> Run)>();
                if (figures.Contains("lane"))
                {
                    kinds.Add(($"{laneName}, byte[] {w.Name}", () => ActorRoundAsync($"{laneName}, byte[] {w.Name}", w.Bytes, w.Messages, inbox, ownSink,
                        replyTo => { for (var i = 0; i < w.Messages; i++) lane.Tell(sink, message); lane.Tell(sink, SinkActor.EndMarker, replyTo); })));
                    kinds.Add(($"{laneName}, Gradient {w.Name}", () => ActorRoundAsync($"{laneName}, Gradient {w.Name}", w.Bytes, w.Messages, inbox, ownSink,
                        replyTo => { for (var i = 0; i < w.Messages; i++) lane.Tell(sink, new Gradient(i, tensor)); lane.Tell(sink, SinkActor.EndMarker, replyTo); })));
                }
                if (figures.Contains("raw"))
                {
                    var pair = plaintextLane ? " (second pair)" : "";
                    kinds.Add(($"raw TCP{pair} {w.Name}", () => Task.FromResult(new Round(raw.Stream((long)w.Bytes * w.Messages, w.Bytes), 0, 0))));
                    kinds.Add(($"raw TLS{pair} {w.Name}", () => Task.FromResult(new Round(rawTls.Stream((long)w.Bytes * w.Messages, w.Bytes), 0, 0))));
                }
                // Kestrel's connection handler, in the plaintext pair: the receiving end the lane would have had on Kestrel.
                if (figures.Contains("raw") && plaintextLane)
                    kinds.Insert(kinds.Count - 2, ($"Kestrel connection, plaintext, copy out of its pipe {w.Name}",
                        () => Task.FromResult(new Round(kestrel.Stream((long)w.Bytes * w.Messages, w.Bytes), 0, 0))));
                var measured = await InterleavedAsync(w.Bytes, w.Messages, kinds, TimedRounds);
                Figure? rawFigure = figures.Contains("raw") ? measured[^2] : null, rawTlsFigure = figures.Contains("raw") ? measured[^1] : null;
                for (var k = 0; k < kinds.Count; k++)
                    row.Paths.Add((kinds[k].What[..^(w.Name.Length + 1)], measured[k], rawFigure, rawTlsFigure));
            }
            // Last: a 64 MiB message on Akka.Remote delays heartbeats enough to mark members unreachable.
            if (figures.Contains("akka"))
                foreach (var row in rows)
                {
                    var w = row.W;
                    var message = new byte[w.Bytes];
                    Random.Shared.NextBytes(message);
                    var what = $"Akka.Remote {w.Name}";
                    var akka = (await InterleavedAsync(w.Bytes, w.AkkaMessages, [(what, () => ActorRoundAsync(what, w.Bytes, w.AkkaMessages, inbox, ownSink,
                        replyTo => { for (var n = 0; n < w.AkkaMessages; n++) sink.Tell(message); sink.Tell(SinkActor.EndMarker, replyTo); }))], timed: 1))[0];
                    var raws = row.Paths.FirstOrDefault(p => p.Path == "raw TCP");
                    row.Paths.Add(("Akka.Remote, byte[], 80 MiB frames", akka, raws.RawTcp, raws.RawTls));
                }
        }
        finally
        {
            peer?.Dispose();
            await system.Terminate().WaitAsync(TimeSpan.FromSeconds(15)).ContinueWith(_ => { });
        }
    }

    private sealed record Round(double Seconds, long UnreachableA, long UnreachableB);

    /// <summary>A warm-up round of each kind, then <paramref name="timed"/> rounds of each in turn; the median per kind.</summary>
    private static async Task<Figure[]> InterleavedAsync(int bytes, int messages, List<(string What, Func<Task<Round>> Run)> kinds, int timed)
    {
        var times = kinds.Select(_ => new List<double>()).ToArray();
        var unreachableA = new long[kinds.Count];
        var unreachableB = new long[kinds.Count];
        for (var round = 0; round < WarmupRounds + timed; round++)
            for (var k = 0; k < kinds.Count; k++)
            {
                var r = await kinds[k].Run();
                if (round < WarmupRounds) continue;
                times[k].Add(r.Seconds);
                unreachableA[k] += r.UnreachableA;
                unreachableB[k] += r.UnreachableB;
            }
        return kinds.Select((k, i) => new Figure((double)bytes * messages / MedianOf(k.What, times[i]) / 1e6, unreachableA[i], unreachableB[i])).ToArray();
    }

    /// <summary>
    /// One round of <paramref name="send"/> (which ends with the end marker, replied to the inbox), timed until B's
    /// sink answered; checks B counted every message and byte, and collects both members' unreachable events.
    /// </summary>
    private static async Task<Round> ActorRoundAsync(string what, int bytes, int messages, Inbox inbox, IActorRef ownSink, Action<IActorRef> send)
    {
        var watch = Stopwatch.StartNew();
        send(inbox.Receiver);
        var reply = (string)await inbox.ReceiveAsync(Bound);
        var seconds = watch.Elapsed.TotalSeconds;
        var parts = reply.Split(' ').Select(p => long.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        if (parts[0] != messages || parts[1] != (long)messages * bytes)
            throw new InvalidOperationException($"{what}: B counted {parts[0]} messages and {parts[1]} bytes of {messages} and {(long)messages * bytes}.");
        return new Round(seconds, OwnUnreachable(ownSink), parts[2]);
    }

    private static long OwnUnreachable(IActorRef ownSink)
    {
        var reply = ownSink.Ask<string>(SinkActor.EndMarker, TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
        return long.Parse(reply.Split(' ')[2], CultureInfo.InvariantCulture);
    }

    private static double MedianOf(string what, List<double> times)
    {
        times.Sort();
        Log($"{what}: rounds {string.Join(" ", times.Select(t => (t * 1e3).ToString("F0", CultureInfo.InvariantCulture)))} ms");
        return times[times.Count / 2];
    }

    private static void Print(List<Row> rows)
    {
        Console.WriteLine("| tensor | path | messages a round | MB/s | / raw TCP | / raw TLS | unreachable events A+B |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
            foreach (var (path, figure, rawTcp, rawTls) in r.Paths)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {r.W.Name} | {path} | {(path.StartsWith("Akka") ? r.W.AkkaMessages : r.W.Messages)} | {Mbps(figure)} | {Ratio(figure, rawTcp)} | {Ratio(figure, rawTls)} | {Events(figure)} |"));
        Console.WriteLine("(MB/s of payload, MB = 10^6 bytes; each ratio is to raw TCP / raw TLS measured in turns in the same pair of processes)");
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
