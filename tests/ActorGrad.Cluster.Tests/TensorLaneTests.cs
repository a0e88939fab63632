using ActorGrad.Cluster.Security;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ActorGrad.Cluster.Lanes;
using ActorGrad.Engine.Tensors;
using ActorGrad.Protocol.Nodes;
using ActorGrad.Protocol.Serialization;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Cluster;
using Akka.Configuration;
using Akka.Event;
using Akka.TestKit;
using Xunit.Abstractions;
using AkkaCluster = Akka.Cluster.Cluster;

namespace ActorGrad.Cluster.Tests.Lanes;

/// <summary>
/// The tensor lane between two Akka.Cluster members in this process on 127.0.0.1 (member A is the TestKit's
/// system, B a second one), with mutual TLS certificates from a throwaway CA made here.
/// </summary>
public sealed class TensorLaneTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly ThrowawayCa Ca = new("actorgrad-test-cluster-ca");
    private readonly List<ActorSystem> _others = [];

    public TensorLaneTests(ITestOutputHelper output)
        : base(MemberSetup(Ca, Ca.Member("member-a"), cluster: true), "lane", output)
    {
    }

    [Fact]
    public void A64MiBGradientArrivesBitExactAndNoMemberIsMarkedUnreachable()
    {
        var b = StartMember("lane", Ca, Ca.Member("member-b"), cluster: true);
        var unreachableSeenByA = WatchUnreachable(Sys);
        var unreachableSeenByB = WatchUnreachable(b);
        JoinCluster(b);

        var values = new float[16 << 20]; // 64 MiB of float32
        var random = new Random(11);
        for (var i = 0; i < values.Length; i++) values[i] = (float)random.NextDouble() - 0.5f;
        values[1] = float.NaN;
        values[2] = -0.0f;
        values[3] = float.Epsilon;
        values[4] = BitConverter.Int32BitsToSingle(0x7fc0_1234); // a NaN with a payload
        using var tensor = Tensor.FromArray(values, 4096, 4096);

        var receiver = CreateTestProbe(b);
        var replyTo = CreateTestProbe();
        TensorLane.Get(Sys).Tell(RemoteRefOf(receiver), new Gradient(42, tensor), replyTo.Ref);

        var arrived = receiver.ExpectMsg<Gradient>(Dilated(TimeSpan.FromSeconds(60)));
        Assert.Equal(42, arrived.PassId);
        using var received = Tensor.From(arrived.Value);
        Assert.Equal([4096, 4096], received.Shape);
        var got = received.Span;
        for (var i = 0; i < values.Length; i++)
            if (BitConverter.SingleToInt32Bits(got[i]) != BitConverter.SingleToInt32Bits(values[i]))
                Assert.Fail($"Element {i} arrived as {got[i]:R}, was sent as {values[i]:R}.");

        // The sender arrived resolved: a reply to it over Akka.Remote reaches the probe on A.
        receiver.Reply("thanks");
        replyTo.ExpectMsg("thanks", Dilated(TimeSpan.FromSeconds(10)));
        Assert.False(unreachableSeenByA.HasMessages, $"A marked a member unreachable: {Peek(unreachableSeenByA)}");
        Assert.False(unreachableSeenByB.HasMessages, $"B marked a member unreachable: {Peek(unreachableSeenByB)}");
    }

    [Fact]
    public void AStreamOf100OneMiBMessagesArrivesInOrder()
    {
        var b = StartMember("lane", Ca, Ca.Member("member-b"), cluster: true);
        JoinCluster(b);
        var receiver = CreateTestProbe(b);
        var recipient = RemoteRefOf(receiver);
        var lane = TensorLane.Get(Sys);
        for (var i = 0; i < 100; i++) lane.Tell(recipient, Numbered(i, 1 << 20), TestActor);

        for (var i = 0; i < 100; i++)
        {
            var m = receiver.ExpectMsg<byte[]>(Dilated(TimeSpan.FromSeconds(30)));
            Assert.Equal(1 << 20, m.Length);
            Assert.Equal(i, BitConverter.ToInt32(m));
            Assert.True(m.AsSpan(4).SequenceEqual(Numbered(i, 1 << 20).AsSpan(4)), $"Message {i} arrived with other bytes.");
        }
    }

    [Fact]
    public void OneMessageToSeveralPeersIsEncodedOnceAndArrivesWholeAtEach()
    {
        var b = StartMember("lane", Ca, Ca.Member("member-b"), cluster: true);
        var c = StartMember("lane", Ca, Ca.Member("member-c"), cluster: true);
        JoinCluster(b);
        JoinCluster(c);
        var atB = CreateTestProbe(b);
        var atC = CreateTestProbe(c);
        var local = CreateTestProbe();
        var lane = TensorLane.Get(Sys);
        // One payload shared by the frames to B and C, then more of the same size at once: had the shared array gone
        // back to the pool after the first frame was written, a later message would be encoded into it while the other
        // peer's frame still waited, and arrive with the wrong values.
        var sent = Enumerable.Range(0, 12).Select(i => Tensor.RandomNormal(100 + i, 512, 512)).ToArray();
        foreach (var (t, i) in sent.Select((t, i) => (t, i)))
            lane.TellAll([RemoteRefOf(atB), local.Ref, RemoteRefOf(atC)], new Gradient(i, t), TestActor);

        Assert.Same(sent[0], local.ExpectMsg<Gradient>().Value); // a local recipient gets the message object itself
        foreach (var probe in new[] { atB, atC })
            for (var i = 0; i < sent.Length; i++)
            {
                var arrived = probe.ExpectMsg<Gradient>(Dilated(TimeSpan.FromSeconds(30)));
                Assert.Equal(i, arrived.PassId);
                using var received = Tensor.From(arrived.Value);
                Assert.True(received.Span.SequenceEqual(sent[i].Span), $"Message {i} arrived at {probe.Sys.Name} with other values.");
            }
        foreach (var t in sent) t.Dispose();
    }

    [Fact]
    public void APeerWhoseCertificateTheClusterCaDidNotSignIsRefused()
    {
        var b = StartMember("lane", Ca, Ca.Member("member-b"), cluster: true);
        JoinCluster(b);
        // The intruder trusts the cluster CA (so it would accept B's certificate) but presents one of its own CA.
        var rogue = new ThrowawayCa("rogue-ca");
        var intruder = StartMember("intruder", Ca, rogue.Member("intruder"), cluster: false, attempts: 1);
        var intruderDeadLetters = CreateTestProbe(intruder);
        intruder.EventStream.Subscribe(intruderDeadLetters.Ref, typeof(DeadLetter));
        var receiver = CreateTestProbe(b);
        var recipient = ((ExtendedActorSystem)intruder).Provider.ResolveActorRef(receiver.Ref.Path.ToStringWithAddress(AkkaCluster.Get(b).SelfAddress));

        var payload = Numbered(7, 1024);
        TensorLane.Get(intruder).Tell(recipient, payload);

        // Upper bound: a refusal the client does not see at once is found by its HTTP/2 keep-alive ping (15 s).
        var lost = intruderDeadLetters.FishForMessage<DeadLetter>(d => d.Message is byte[], Dilated(TimeSpan.FromSeconds(60)));
        Assert.Equal(payload, (byte[])lost.Message);
        Assert.False(receiver.HasMessages, "B received a message from a peer without the cluster's certificate.");

        // B's lane still serves members with the right certificate.
        TensorLane.Get(Sys).Tell(RemoteRefOf(receiver), Numbered(8, 1024));
        Assert.Equal(8, BitConverter.ToInt32(receiver.ExpectMsg<byte[]>(Dilated(TimeSpan.FromSeconds(30)))));
    }

    [Fact]
    public void AMissingRecipientIsADeadLetterAndTheLaneKeepsWorking()
    {
        var b = StartMember("lane", Ca, Ca.Member("member-b"), cluster: true);
        JoinCluster(b);
        var deadLettersOnB = CreateTestProbe(b);
        b.EventStream.Subscribe(deadLettersOnB.Ref, typeof(DeadLetter));
        var receiver = CreateTestProbe(b);
        var missing = ((ExtendedActorSystem)Sys).Provider.ResolveActorRef(new RootActorPath(AkkaCluster.Get(b).SelfAddress) / "user" / "nobody-here");
        var lane = TensorLane.Get(Sys);

        lane.Tell(missing, Numbered(1, 4096), TestActor);
        lane.Tell(RemoteRefOf(receiver), Numbered(2, 4096), TestActor);

        var dead = deadLettersOnB.FishForMessage<DeadLetter>(d => d.Message is byte[], Dilated(TimeSpan.FromSeconds(30)));
        Assert.Equal(1, BitConverter.ToInt32((byte[])dead.Message));
        Assert.Contains("nobody-here", dead.Recipient.Path.ToString());
        Assert.Equal(2, BitConverter.ToInt32(receiver.ExpectMsg<byte[]>(Dilated(TimeSpan.FromSeconds(30)))));
    }

    [Fact]
    public void AMessageForAPeerThatIsGoneIsADeadLetterAndTheMemberCarriesOn()
    {
        var b = StartMember("lane", Ca, Ca.Member("member-b"), cluster: true);
        JoinCluster(b);
        var receiver = CreateTestProbe(b);
        var recipient = RemoteRefOf(receiver);
        var lane = TensorLane.Get(Sys);
        lane.Tell(recipient, Numbered(1, 4096));
        receiver.ExpectMsg<byte[]>(Dilated(TimeSpan.FromSeconds(30)));
        var deadLetters = CreateTestProbe();
        Sys.EventStream.Subscribe(deadLetters.Ref, typeof(DeadLetter));

        Shutdown(b, verifySystemShutdown: true);
        lane.Tell(recipient, Numbered(2, 4096));

        // Upper bound: five connection attempts with pauses, or the port query's timeout once the member is removed.
        var lost = deadLetters.FishForMessage<DeadLetter>(d => d.Message is byte[], Dilated(TimeSpan.FromSeconds(60)));
        Assert.Equal(2, BitConverter.ToInt32((byte[])lost.Message));
        Assert.False(Sys.WhenTerminated.IsCompleted);
        var local = CreateTestProbe();
        lane.Tell(local.Ref, "still here");
        local.ExpectMsg("still here");
    }

    [Fact]
    public void GradientsArriveIntactAndInOrderThroughReusedBuffers()
    {
        var b = StartMember("lane", Ca, Ca.Member("member-b"), cluster: true);
        JoinCluster(b);
        var receiver = CreateTestProbe(b);
        var recipient = RemoteRefOf(receiver);
        var lane = TensorLane.Get(Sys);
        // Same size every time, so the receiver reads each into the buffer the one before used (our serializer is
        // listed as copying by default), and the sender serializes each into an array it rents, the one the message
        // before gave back. A decode that kept its input would show a later gradient's values.
        for (var i = 0; i < 20; i++)
        {
            using var values = Tensor.Full(i, 512, 512);
            lane.Tell(recipient, new Gradient(i, values));
        }

        for (var i = 0; i < 20; i++)
        {
            var g = receiver.ExpectMsg<Gradient>(Dilated(TimeSpan.FromSeconds(30)));
            Assert.Equal(i, g.PassId);
            using var t = Tensor.From(g.Value);
            Assert.Equal([512, 512], t.Shape);
            var expected = (float)i;
            Assert.True(t.ToArray().All(v => v == expected), $"Gradient {i} arrived with values of another gradient.");
        }
    }

    [Fact]
    public void TheLaneReusesReceiveBuffersForActorGradsSerializerByDefault() =>
        Assert.Contains(ActorGradSerializer.Id, new TensorLaneSettings().CopyingSerializerIds);

    [Fact]
    public void ALaneWithoutCertificatesIsRefusedUnlessPlaintextIsAskedFor()
    {
        var e = Assert.Throws<ArgumentException>(() => new TensorLaneSettings().Validate());
        Assert.Contains("AllowPlaintext", e.Message);
    }

    /// <summary>B's probe as A sees it: a remote ref with B's address.</summary>
    private IActorRef RemoteRefOf(TestProbe probe) =>
        ((ExtendedActorSystem)Sys).Provider.ResolveActorRef(probe.Ref.Path.ToStringWithAddress(AkkaCluster.Get(probe.Sys).SelfAddress));

    private static byte[] Numbered(int n, int size)
    {
        var m = new byte[size];
        new Random(n).NextBytes(m);
        BitConverter.TryWriteBytes(m, n);
        return m;
    }

    private ActorSystem StartMember(string name, ThrowawayCa ca, X509Certificate2 certificate, bool cluster, int attempts = 5)
    {
        var system = ActorSystem.Create(name, MemberSetup(ca, certificate, cluster, attempts));
        _others.Add(system);
        _ = TensorLane.Get(system);
        return system;
    }

    /// <summary>A joins itself, B joins A; returns when A has seen both Up.</summary>
    private void JoinCluster(ActorSystem b)
    {
        var ups = CreateTestProbe();
        AkkaCluster.Get(Sys).Subscribe(ups.Ref, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.MemberUp));
        var a = AkkaCluster.Get(Sys).SelfAddress;
        AkkaCluster.Get(Sys).Join(a);
        AkkaCluster.Get(b).Join(a);
        var waiting = new HashSet<Address> { a, AkkaCluster.Get(b).SelfAddress };
        ups.FishForMessage<ClusterEvent.MemberUp>(up => waiting.Remove(up.Member.Address) && waiting.Count == 0, Dilated(TimeSpan.FromSeconds(30)));
        _ = TensorLane.Get(Sys);
    }

    private TestProbe WatchUnreachable(ActorSystem system)
    {
        var probe = CreateTestProbe(system);
        AkkaCluster.Get(system).Subscribe(probe.Ref, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.UnreachableMember));
        return probe;
    }

    private static string Peek(TestProbe probe) => probe.HasMessages ? probe.ReceiveOne(TimeSpan.Zero)?.ToString() ?? "" : "";

    private static ActorSystemSetup MemberSetup(ThrowawayCa ca, X509Certificate2 certificate, bool cluster, int attempts = 5)
    {
        var factor = double.TryParse(Environment.GetEnvironmentVariable("ACTORGRAD_TEST_TIME_FACTOR"), NumberStyles.Float, CultureInfo.InvariantCulture, out var f) && f > 0 ? f : 1.0;
        var config = ConfigurationFactory.ParseString($$"""
            akka.loglevel = WARNING
            akka.stdout-loglevel = WARNING
            akka.actor.provider = {{(cluster ? "cluster" : "remote")}}
            akka.remote.dot-netty.tcp.hostname = 127.0.0.1
            akka.remote.dot-netty.tcp.port = 0
            akka.cluster.log-info = off
            akka.test.timefactor = {{factor.ToString(CultureInfo.InvariantCulture)}}
            """).WithFallback(WireSerialization.Config);
        var lane = new TensorLaneSettings
        {
            Certificate = certificate,
            CertificateAuthority = ca.Certificate,
            ConnectAttempts = attempts,
        };
        return BootstrapSetup.Create().WithConfig(config).And(new TensorLaneSetup(lane));
    }

    protected override void AfterAll()
    {
        foreach (var system in _others) Shutdown(system, verifySystemShutdown: false);
        base.AfterAll();
    }
}

/// <summary>A certificate authority made for one test run (the one `actorgrad certs` makes), and member certificates it signs.</summary>
internal sealed class ThrowawayCa(string name)
{
    public X509Certificate2 Certificate { get; } = ClusterCertificateAuthority.CreateCa(name, TimeSpan.FromDays(1));

    public X509Certificate2 Member(string member) =>
        ClusterCertificateAuthority.IssueMember(Certificate, member, ["127.0.0.1", "localhost"], TimeSpan.FromHours(12));
}
