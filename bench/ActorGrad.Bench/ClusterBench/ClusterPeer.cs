using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using ActorGrad.Cluster.Lanes;
using ActorGrad.Engine.Tensors;
using ActorGrad.Protocol.Nodes;
using Akka.Actor;
using Akka.Cluster;
using AkkaCluster = Akka.Cluster.Cluster;

namespace ActorGrad.Bench.ClusterBench;

/// <summary>
/// Counts the messages and bytes it receives (from the lane or Akka.Remote alike) and the members this process
/// saw become unreachable; the end marker replies "count bytes unreachable" and resets the counts.
/// </summary>
internal sealed class SinkActor : ReceiveActor
{
    public const string EndMarker = "end";
    private long _count, _bytes, _unreachable;

    public SinkActor()
    {
        Receive<byte[]>(b => { _count++; _bytes += b.Length; });
        Receive<Gradient>(g =>
        {
            _count++;
            _bytes += 4L * g.Value.Values.Length;
            // What a receiving node does: adopt the decoded values as an Engine tensor, and give its storage back when done.
            Tensor.From(g.Value).Dispose();
        });
        Receive<string>(s => s == EndMarker, _ =>
        {
            Sender.Tell(string.Create(CultureInfo.InvariantCulture, $"{_count} {_bytes} {_unreachable}"));
            _count = _bytes = _unreachable = 0;
        });
        Receive<ClusterEvent.UnreachableMember>(_ => _unreachable++);
        Receive<ClusterEvent.ReachableMember>(_ => { });
    }

    protected override void PreStart() =>
        AkkaCluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.UnreachableMember));
}

/// <summary>
/// The second process of the cluster benchmark (`cluster-peer --seed ADDRESS --certs DIR --lane tls|plaintext`, started by
/// `cluster`): joins the benchmark's member, hosts /user/sink, the tensor lane, the raw TCP and TLS
/// receivers and the Kestrel sink, prints "READY &lt;raw port&gt; &lt;raw TLS port&gt; &lt;Kestrel port&gt;" once it is Up, and exits on "quit" or at the end
/// of its stdin (so it never outlives the benchmark), or after a watchdog's few minutes at the latest.
/// </summary>
internal static class ClusterPeer
{
    public const string ReadyPrefix = "READY ";
    private static readonly TimeSpan Watchdog = TimeSpan.FromMinutes(10);

    public static int Run(string[] args)
    {
        string? seed = null, certs = null;
        var plaintextLane = false;
        for (var i = 0; i + 1 < args.Length; i += 2)
            switch (args[i])
            {
                case "--seed": seed = args[i + 1]; break;
                case "--certs": certs = args[i + 1]; break;
                case "--lane" when args[i + 1] is "tls" or "plaintext": plaintextLane = args[i + 1] == "plaintext"; break;
                default: throw new ArgumentException($"cluster-peer: unknown argument '{args[i]}'.");
            }
        if (seed is null || certs is null) throw new ArgumentException("cluster-peer needs --seed ADDRESS and --certs DIR.");

        var ca = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(certs, BenchMember.CaFile));
        var certificate = X509CertificateLoader.LoadPkcs12FromFile(Path.Combine(certs, BenchMember.PeerCertificateFile), null);
        var system = ActorSystem.Create(BenchMember.SystemName, BenchMember.Setup(ca, certificate, plaintextLane));
        try
        {
            system.ActorOf(Props.Create(() => new SinkActor()), "sink");
            _ = TensorLane.Get(system);
            var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            AkkaCluster.Get(system).RegisterOnMemberUp(() => up.TrySetResult());
            AkkaCluster.Get(system).Join(Address.Parse(seed));
            using var raw = RawTcp.Listen();
            using var rawTls = RawTcp.Listen();
            _ = Task.Run(() => RawTcp.Serve(raw, null));
            _ = Task.Run(() => RawTcp.Serve(rawTls, certificate));
            var kestrel = KestrelSink.StartAsync().GetAwaiter().GetResult();
            if (!up.Task.Wait(TimeSpan.FromSeconds(60))) throw new TimeoutException("cluster-peer: not Up within 60 s.");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{ReadyPrefix}{RawTcp.PortOf(raw)} {RawTcp.PortOf(rawTls)} {kestrel.Port}"));
            Console.Out.Flush();
            var quit = Task.Run(() =>
            {
                string? line;
                while ((line = Console.ReadLine()) is not null && line != "quit") { }
            });
            quit.Wait(Watchdog);
            kestrel.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
            return 0;
        }
        finally
        {
            system.Terminate().Wait(TimeSpan.FromSeconds(10));
        }
    }
}
