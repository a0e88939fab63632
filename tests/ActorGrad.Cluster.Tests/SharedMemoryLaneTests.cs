using System.Globalization;
using ActorGrad.Cluster.Lanes;
using ActorGrad.Engine.Tensors;
using ActorGrad.Protocol.Nodes;
using ActorGrad.Protocol.Serialization;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.TestKit;
using Xunit.Abstractions;

namespace ActorGrad.Cluster.Tests.Lanes;

/// <summary>
/// The tensor lane between members of this process (so on one host, as one user): payloads go through the
/// connection's shared-memory ring, the same bits and order as over the socket, and the socket takes over when a
/// payload is larger than the ring, when shared memory is switched off, or when the peer is on another kernel.
/// Member A (the TestKit's system) writes into 64 KiB rings, so the ring's edges are reachable with small messages.
/// </summary>
public sealed class SharedMemoryLaneTests : Akka.TestKit.Xunit2.TestKit
{
    private const int Ring = 64 << 10;
    private readonly List<ActorSystem> _others = [];

    public SharedMemoryLaneTests(ITestOutputHelper output)
        : base(Setup(new TensorLaneSettings { AllowPlaintext = true, SharedMemoryRingBytes = Ring }), "shm", output)
    {
    }

    [Fact]
    public void PayloadsOfEverySizeArriveWithTheirBitsAndInOrderThroughTheRing()
    {
        var b = Start(new TensorLaneSettings { AllowPlaintext = true });
        var receiver = CreateTestProbe(b);
        var lane = TensorLane.Get(Sys);
        // The edges: empty, one byte, the ring threshold, the ring's size and one either side, larger than the ring;
        // then random sizes, small and large interleaved.
        var random = new Random(12);
        int[] edges = [0, 1, LanePeer.RingMinBytes - 1, LanePeer.RingMinBytes, Ring - 1, Ring, Ring + 1, 3 * Ring];
        var sizes = edges.Concat(Enumerable.Range(0, 200).Select(i => i % 2 == 0 ? random.Next(0, 64) : random.Next(1024, Ring + 4096))).ToArray();
        var before = lane.SharedMemoryBytesSent;
        for (var i = 0; i < sizes.Length; i++) lane.Tell(Remote(receiver), Numbered(i, sizes[i]), TestActor);

        for (var i = 0; i < sizes.Length; i++)
        {
            var m = receiver.ExpectMsg<byte[]>(Dilated(TimeSpan.FromSeconds(30)));
            Assert.True(m.AsSpan().SequenceEqual(Numbered(i, sizes[i])), $"Message {i} ({sizes[i]} bytes) arrived as {m.Length} other bytes.");
        }
        var throughRing = lane.SharedMemoryBytesSent - before;
        Output.WriteLine($"{throughRing} of {sizes.Sum(s => (long)s)} payload bytes went through the ring");
        // Every payload from the threshold to the ring's size went through it (the writer waited for room when the
        // reader was behind: 200 messages were queued at once), and no other.
        Assert.Equal(sizes.Where(s => s is >= LanePeer.RingMinBytes and <= Ring).Sum(s => (long)s), throughRing);
    }

    [Fact]
    public void TensorsDecodedStraightFromTheRingKeepTheirValuesAfterTheRingIsReused()
    {
        var b = Start(new TensorLaneSettings { AllowPlaintext = true });
        var receiver = CreateTestProbe(b);
        var lane = TensorLane.Get(Sys);
        // 40 KiB gradients into a 64 KiB ring: each reuses the space of the one two before. A decode that kept a view
        // of the ring would show a later gradient's values.
        var before = lane.SharedMemoryBytesSent;
        for (var i = 0; i < 30; i++)
        {
            using var values = Tensor.Full(i, 100, 100);
            lane.Tell(Remote(receiver), new Gradient(i, values));
        }
        for (var i = 0; i < 30; i++)
        {
            var g = receiver.ExpectMsg<Gradient>(Dilated(TimeSpan.FromSeconds(30)));
            Assert.Equal(i, g.PassId);
            using var t = Tensor.From(g.Value);
            var expected = (float)i;
            Assert.True(t.ToArray().All(v => v == expected), $"Gradient {i} arrived with values of another gradient.");
        }
        Assert.True(lane.SharedMemoryBytesSent - before > 0, "No gradient went through shared memory.");
    }

    [Fact]
    public void OneMessageToSeveralPeersOnThisHostArrivesWholeAtEachThroughTheirRings()
    {
        var b = Start(new TensorLaneSettings { AllowPlaintext = true });
        var c = Start(new TensorLaneSettings { AllowPlaintext = true });
        var atB = CreateTestProbe(b);
        var atC = CreateTestProbe(c);
        var lane = TensorLane.Get(Sys);
        var before = lane.SharedMemoryBytesSent;
        var sent = Enumerable.Range(0, 10).Select(i => Tensor.RandomNormal(200 + i, 64, 64)).ToArray();
        foreach (var (t, i) in sent.Select((t, i) => (t, i)))
            lane.TellAll([Remote(atB), Remote(atC)], new Gradient(i, t), TestActor);
        foreach (var probe in new[] { atB, atC })
            for (var i = 0; i < sent.Length; i++)
            {
                var arrived = probe.ExpectMsg<Gradient>(Dilated(TimeSpan.FromSeconds(30)));
                Assert.Equal(i, arrived.PassId);
                using var received = Tensor.From(arrived.Value);
                Assert.True(received.Span.SequenceEqual(sent[i].Span), $"Message {i} arrived at {probe.Sys.Name} with other values.");
            }
        Assert.True(lane.SharedMemoryBytesSent - before > 0, "No payload went through shared memory.");
        foreach (var t in sent) t.Dispose();
    }

    [Fact]
    public void WithSharedMemorySwitchedOffAtTheReceiverEveryPayloadTakesTheSocket() =>
        AllGoOverTheSocket(Start(new TensorLaneSettings { AllowPlaintext = true, SharedMemory = false }), TensorLane.Get(Sys));

    [Fact]
    public void WithSharedMemorySwitchedOffAtTheSenderEveryPayloadTakesTheSocket()
    {
        var sender = Start(new TensorLaneSettings { AllowPlaintext = true, SharedMemory = false });
        AllGoOverTheSocket(Start(new TensorLaneSettings { AllowPlaintext = true }), TensorLane.Get(sender));
    }

    [Fact]
    public void APeerOnAnotherKernelGetsEveryPayloadOverTheSocket()
    {
        var self = LaneHost.Current ?? throw new InvalidOperationException("These tests need Linux's boot id.");
        var elsewhere = Start(new TensorLaneSettings { AllowPlaintext = true, HostOverride = self with { BootId = Guid.NewGuid() } });
        AllGoOverTheSocket(elsewhere, TensorLane.Get(Sys));
    }

    [Fact]
    public void APeerRunningAsAnotherUserGetsEveryPayloadOverTheSocket()
    {
        var self = LaneHost.Current ?? throw new InvalidOperationException("These tests need Linux's boot id.");
        var other = Start(new TensorLaneSettings { AllowPlaintext = true, HostOverride = self with { Uid = self.Uid + 1 } });
        AllGoOverTheSocket(other, TensorLane.Get(Sys));
    }

    [Fact]
    public void ARingSizeOutsideItsLimitsIsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => new TensorLaneSettings { AllowPlaintext = true, SharedMemoryRingBytes = 100 }.Validate());
        Assert.Contains("SharedMemoryRingBytes", e.Message);
    }

    private void AllGoOverTheSocket(ActorSystem receiving, TensorLane sending)
    {
        var receiver = CreateTestProbe(receiving);
        var recipient = ((ExtendedActorSystem)sending.OwnerSystem).Provider.ResolveActorRef(
            receiver.Ref.Path.ToStringWithAddress(((ExtendedActorSystem)receiving).Provider.DefaultAddress));
        var before = sending.BytesSent;
        for (var i = 0; i < 20; i++) sending.Tell(recipient, Numbered(i, 20_000));
        for (var i = 0; i < 20; i++)
            Assert.True(receiver.ExpectMsg<byte[]>(Dilated(TimeSpan.FromSeconds(30))).AsSpan().SequenceEqual(Numbered(i, 20_000)), $"Message {i} arrived with other bytes.");
        Assert.True(sending.BytesSent - before >= 20 * 20_000);
        Assert.Equal(0, sending.SharedMemoryBytesSent);
    }

    /// <summary>A probe on another system as this one sees it: a remote ref with that system's address.</summary>
    private IActorRef Remote(TestProbe probe) =>
        ((ExtendedActorSystem)Sys).Provider.ResolveActorRef(probe.Ref.Path.ToStringWithAddress(((ExtendedActorSystem)probe.Sys).Provider.DefaultAddress));

    private static byte[] Numbered(int n, int size)
    {
        var m = new byte[size];
        new Random(n).NextBytes(m);
        if (size >= 4) BitConverter.TryWriteBytes(m, n);
        return m;
    }

    private ActorSystem Start(TensorLaneSettings lane)
    {
        var system = ActorSystem.Create("shm", Setup(lane));
        _others.Add(system);
        _ = TensorLane.Get(system);
        return system;
    }

    private static ActorSystemSetup Setup(TensorLaneSettings lane)
    {
        var factor = double.TryParse(Environment.GetEnvironmentVariable("ACTORGRAD_TEST_TIME_FACTOR"), NumberStyles.Float, CultureInfo.InvariantCulture, out var f) && f > 0 ? f : 1.0;
        var config = ConfigurationFactory.ParseString($$"""
            akka.loglevel = WARNING
            akka.stdout-loglevel = WARNING
            akka.actor.provider = remote
            akka.remote.dot-netty.tcp.hostname = 127.0.0.1
            akka.remote.dot-netty.tcp.port = 0
            akka.test.timefactor = {{factor.ToString(CultureInfo.InvariantCulture)}}
            """).WithFallback(WireSerialization.Config);
        return BootstrapSetup.Create().WithConfig(config).And(new TensorLaneSetup(lane));
    }

    protected override void AfterAll()
    {
        foreach (var system in _others) Shutdown(system, verifySystemShutdown: false);
        base.AfterAll();
    }
}
