using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using ActorGrad.Engine.Actors;
using ActorGrad.Engine.Cluster;
using ActorGrad.Engine.Tensors;
using ActorGrad.Protocol.Wire;
using Google.Protobuf;
using ClusterMember = ActorGrad.Engine.Cluster.Cluster;
using Envelope = ActorGrad.Protocol.Wire.Envelope;
using MemberStatus = ActorGrad.Engine.Cluster.MemberStatus;

namespace ActorGrad.Bench.ClusterBench;

/// <summary>
/// `cluster`: the cluster transport between two processes on loopback, next to a raw TCP socket
/// between the same two processes. This process is member A (the sender); it starts member B
/// (`cluster-peer`, the receiver) itself and always stops it at the end (killing it if it does not
/// quit within a few seconds). Each figure: warm-up
/// rounds, then the median of timed rounds; a round of Tells ends with an Ask of an end marker that
/// the receiving actor answers with the number of messages it got, so a round is timed until the
/// receiver has them all.
/// </summary>
internal static class ClusterBenchmark
{
    private const int SmallMessages = 100_000;
    private const int TensorFloats = 262_144; // 1 MiB of float32
    private const int TensorsPerRound = 128;  // 128 MiB a round, under the 256 MiB per-peer queue limit
    private const int AskRoundTrips = 2_000;
    private const int WarmupRounds = 2;
    private const int TimedRounds = 7;
    private const int RawSmallWriteBytes = 64 * 1024; // the transport's flush threshold
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private static readonly string[] Figures = ["tell", "ask", "tensor"];

    /// <summary>`cluster [tell|ask|tensor ...]`: the figures named, or all of them.</summary>
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
        var secret = RandomNumberGenerator.GetBytes(32);
        await using var cluster = await ClusterMember.StartAsync(ClusterPeer.Settings("bench", secret));
        await cluster.WhenUp.WaitAsync(Bound);
        using var peer = PeerProcess.Start(cluster.SelfAddress.HostPort, Convert.ToHexString(secret));
        MemberAddress? member = null;
        try
        {
            var rawPort = await peer.WaitReadyAsync(TimeSpan.FromSeconds(30));
            member = await OtherUpMemberAsync(cluster);
            var sink = cluster.ActorAt(member, "/user/sink");
            var echo = cluster.ActorAt(member, "/user/echo");
            using var raw = new RawTcp.Client(rawPort);
            Log($"peer up after {total.Elapsed.TotalSeconds:F1} s: {member}, raw TCP on port {rawPort}");

            var smallFrame = SmallFrameBytes(cluster, sink);
            var rows = new List<Row>();
            if (figures.Contains("tell")) rows.AddRange(await TellFigureAsync(sink, raw, smallFrame));
            if (figures.Contains("ask")) rows.Add(await AskFigureAsync(echo, raw, smallFrame));
            if (figures.Contains("tensor")) rows.Add(await TensorFigureAsync(cluster, sink, raw));
            Print(rows);
            Log($"total {total.Elapsed.TotalSeconds:F1} s");
            return 0;
        }
        finally
        {
            peer.Stop();
            // The peer left before it exited; once this member has removed it, leaving sends it nothing.
            if (member is not null) await RemovedAsync(cluster, member, TimeSpan.FromSeconds(3));
        }
    }

    /// <summary>Small messages: one-way Tells of an int, all in flight at once, then the end marker.</summary>
    private static async Task<Row[]> TellFigureAsync(IActorRef sink, RawTcp.Client raw, int frameBytes)
    {
        var tell = await MedianAsync("tell int", () => TellRoundAsync(sink, SmallMessages, i => i));
        // The ceiling: the same number of bytes as one bulk stream, in writes of the transport's flush threshold.
        var rawSmall = Median("raw small", () => raw.Stream((long)SmallMessages * frameBytes, RawSmallWriteBytes));
        return
        [
            new Row($"Tell of an int, one way, {SmallMessages:N0} in flight ({frameBytes}-byte frames)",
                SmallMessages / tell, SmallMessages / rawSmall, "msg/s", Higher: true),
            new Row("  the same, as frame bytes on the wire",
                SmallMessages * (double)frameBytes / tell / 1e6, SmallMessages * (double)frameBytes / rawSmall / 1e6, "MB/s", Higher: true),
        ];
    }

    /// <summary>Request-response: one Ask of an int at a time, answered by the echo actor.</summary>
    private static async Task<Row> AskFigureAsync(IActorRef echo, RawTcp.Client raw, int frameBytes)
    {
        var ask = await MedianAsync("ask", () => AskRoundAsync(echo, AskRoundTrips));
        // The ceiling: one frame-sized write each way at a time.
        var rawPing = Median("raw ping-pong", () => raw.PingPong(frameBytes, AskRoundTrips));
        return new Row($"Ask round trip of an int, one at a time ({frameBytes}-byte messages for raw TCP)",
            ask / AskRoundTrips * 1e6, rawPing / AskRoundTrips * 1e6, "us", Higher: false);
    }

    /// <summary>Bandwidth: one-way Tells of a 1 MiB tensor, all in flight at once, then the end marker.</summary>
    private static async Task<Row> TensorFigureAsync(ClusterMember cluster, IActorRef sink, RawTcp.Client raw)
    {
        using var tensor = Tensor.RandomNormal(7, TensorFloats);
        var frameBytes = TensorFrameBytes(cluster, sink, tensor);
        const double payload = 4.0 * TensorFloats * TensorsPerRound;
        var tensors = await MedianAsync("tensors", () => TellRoundAsync(sink, TensorsPerRound, _ => tensor));
        // The ceiling: the same frames' bytes, one write per frame.
        var rawTensors = Median("raw 1 MiB", () => raw.Stream((long)TensorsPerRound * frameBytes, frameBytes));
        return new Row($"Tell of a 1 MiB tensor (262144 float32), one way, {TensorsPerRound} in flight (payload MB/s)",
            payload / tensors / 1e6, payload / rawTensors / 1e6, "MB/s", Higher: true);
    }

    private sealed record Row(string Figure, double Cluster, double Raw, string Unit, bool Higher)
    {
        /// <summary>The cluster's performance as a fraction of raw TCP's (throughput over throughput, latency inverted).</summary>
        public double OfRaw => Higher ? Cluster / Raw : Raw / Cluster;
    }

    private static void Print(List<Row> rows)
    {
        var c = CultureInfo.InvariantCulture;
        Console.WriteLine("| figure | cluster | raw TCP (ceiling) | unit | cluster as a fraction of raw |");
        Console.WriteLine("|---|---:|---:|---|---:|");
        foreach (var r in rows)
            Console.WriteLine(string.Create(c, $"| {r.Figure} | {Format(r.Cluster)} | {Format(r.Raw)} | {r.Unit} | {r.OfRaw:F2} |"));
    }

    private static string Format(double v) => v.ToString(v >= 1000 ? "N0" : v >= 100 ? "F0" : "F1", CultureInfo.InvariantCulture);

    /// <summary>Seconds until the receiver has counted <paramref name="count"/> messages Told to it back to back.</summary>
    private static async Task<double> TellRoundAsync(IActorRef sink, int count, Func<int, object> message)
    {
        var peerBefore = GcStats.FromWire(await sink.Ask<string>(ClusterPeer.StatsMarker, Bound));
        var before = GcStats.Take();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < count; i++) sink.Tell(message(i));
        var told = watch.Elapsed.TotalSeconds;
        var received = await sink.Ask<long>(ClusterPeer.EndMarker, Bound);
        var seconds = watch.Elapsed.TotalSeconds;
        var after = GcStats.Take();
        if (received != count) throw new InvalidOperationException($"The receiver counted {received} messages of {count}.");
        var peerAfter = GcStats.FromWire(await sink.Ask<string>(ClusterPeer.StatsMarker, Bound));
        Log($"    {count} Tells queued in {told * 1e3:F0} ms, all received after {seconds * 1e3:F0} ms");
        Log($"      sender:   {after.Since(before, count)}");
        Log($"      receiver: {peerAfter.Since(peerBefore, count)}");
        return seconds;
    }

    private static async Task<double> AskRoundAsync(IActorRef echo, int count)
    {
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
            if (await echo.Ask<int>(i, Bound) != i) throw new InvalidOperationException("The echo answered with another number.");
        return watch.Elapsed.TotalSeconds;
    }

    private static async Task<double> MedianAsync(string what, Func<Task<double>> round)
    {
        for (var i = 0; i < WarmupRounds; i++) await round();
        var times = new List<double>();
        for (var i = 0; i < TimedRounds; i++) times.Add(await round());
        return MedianOf(what, times);
    }

    private static double Median(string what, Func<double> round)
    {
        for (var i = 0; i < WarmupRounds; i++) round();
        var times = new List<double>();
        for (var i = 0; i < TimedRounds; i++) times.Add(round());
        return MedianOf(what, times);
    }

    private static double MedianOf(string what, List<double> times)
    {
        times.Sort();
        Log($"{what}: rounds {string.Join(" ", times.Select(t => (t * 1e3).ToString("F1", CultureInfo.InvariantCulture)))} ms");
        return times[times.Count / 2];
    }

    private static async Task<MemberAddress> OtherUpMemberAsync(ClusterMember cluster)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            var other = cluster.Members.FirstOrDefault(m => m.Address != cluster.SelfAddress && m.Status == MemberStatus.Up);
            if (other is not null) return other.Address;
            await Task.Delay(20);
        }
        throw new TimeoutException("The peer process did not become an Up member within 30 s.");
    }

    private static async Task RemovedAsync(ClusterMember cluster, MemberAddress member, TimeSpan max)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < max && cluster.Members.Any(m => m.Address == member && m.Status != MemberStatus.Removed))
            await Task.Delay(20);
    }

    /// <summary>Bytes on the wire of one Tell of an int to <paramref name="sink"/>: the envelope Remoting.SendUser builds.</summary>
    private static int SmallFrameBytes(ClusterMember cluster, IActorRef sink)
    {
        var serialized = cluster.Serialization.Serialize(0);
        return FrameEncoder.Encode(UserFrame(cluster, sink, serialized)).Length;
    }

    private static int TensorFrameBytes(ClusterMember cluster, IActorRef sink, Tensor tensor)
    {
        var serialized = cluster.Serialization.Serialize(tensor);
        return FrameEncoder.Encode(UserFrame(cluster, sink, serialized), serialized.Tensor).Length;
    }

    private static Frame UserFrame(ClusterMember cluster, IActorRef sink, SerializedMessage serialized) => new()
    {
        Envelope = new Envelope
        {
            Recipient = sink.Path.ToString(),
            SenderMemberUid = cluster.SelfAddress.Uid,
            User = new UserMessage { SerializerId = serialized.SerializerId, Manifest = serialized.Manifest, Body = ByteString.CopyFrom(serialized.Body) },
        },
    };

    private static void Log(string line) => Console.Error.WriteLine(line);
}
