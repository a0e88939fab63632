using System.Buffers.Binary;
using System.Text;
using ActorGrad.Engine.Actors;
using ActorGrad.Engine.Cluster;
using ActorGrad.Protocol.Wire;
using ActorGrad.TestKit;
using Google.Protobuf;
using Envelope = ActorGrad.Protocol.Wire.Envelope;
using static ActorGrad.Cluster.Tests.ClusterTestSettings;
using ClusterMember = ActorGrad.Engine.Cluster.Cluster;

namespace ActorGrad.Cluster.Tests;

/// <summary>Nothing gets in without the secret, and bad bytes close only their own connection.</summary>
public sealed class SecurityTests : IAsyncLifetime
{
    private ClusterMember _member = null!;
    private TestProbe _warnings = null!;
    private TestProbe _target = null!;
    private int Port => _member.SelfAddress.Port;

    public async Task InitializeAsync()
    {
        _member = await ClusterMember.StartAsync(Fast("guarded"), Quiet);
        await _member.WhenUp.WaitAsync(Bound);
        _warnings = new TestProbe(_member.System);
        _member.System.EventStream.Subscribe(_warnings.Ref, typeof(LogEvent));
        _target = new TestProbe(_member.System, "target");
    }

    public Task DisposeAsync() => _member.DisposeAsync().AsTask();

    private Task<LogEvent> ExpectWarning(string containing) =>
        _warnings.FishForMessageAsync<LogEvent>(e => e.Level == LogLevel.Warning && e.Message.Contains(containing), Bound);

    private Frame EnvelopeToTarget(string text) => new()
    {
        Envelope = new Envelope
        {
            Recipient = _target.Ref.Path.ToString(),
            SenderMemberUid = 12345,
            User = new UserMessage { SerializerId = 1, Manifest = "s", Body = ByteString.CopyFromUtf8(text) },
        },
    };

    [Fact]
    public async Task A_member_with_another_secret_is_refused_and_logged_and_never_joins()
    {
        var intruder = await ClusterMember.StartAsync(Fast("intruder", _member.SelfAddress.HostPort) with { Secret = Encoding.UTF8.GetBytes("not-the-secret") }, Quiet);
        try
        {
            var intrudersLog = new TestProbe(intruder.System);
            intruder.System.EventStream.Subscribe(intrudersLog.Ref, typeof(LogEvent));
            var refused = await ExpectWarning("secret");
            Assert.Contains("refused", refused.Message);
            Assert.False(intruder.WhenUp.IsCompleted);
            Assert.Single(_member.Members);
            Assert.True(_member.RejectedConnections > 0);

            // The intruder backs off: each refusal in a row doubles its pause before the next dial.
            foreach (var (count, pause) in new[] { (2, "1"), (3, "2") })
            {
                var line = await intrudersLog.FishForMessageAsync<LogEvent>(
                    e => e.Level == LogLevel.Warning && e.Message.Contains($"The handshake failed {count} time(s) in a row"), Bound);
                Assert.Contains("secret", line.Message);
                Assert.Contains($"no new dial for {pause} s", line.Message);
            }
        }
        finally { await intruder.DisposeAsync(); }
    }

    [Fact]
    public void The_pause_after_refusals_doubles_up_to_thirty_seconds()
    {
        Assert.Equal(TimeSpan.FromSeconds(0.5), Transport.RefusedBackoff(0));
        Assert.Equal(TimeSpan.FromSeconds(0.5), Transport.RefusedBackoff(1));
        Assert.Equal(TimeSpan.FromSeconds(1), Transport.RefusedBackoff(2));
        Assert.Equal(TimeSpan.FromSeconds(16), Transport.RefusedBackoff(6));
        Assert.Equal(TimeSpan.FromSeconds(30), Transport.RefusedBackoff(7));
        Assert.Equal(TimeSpan.FromSeconds(30), Transport.RefusedBackoff(int.MaxValue));
    }

    [Fact]
    public async Task A_client_that_does_not_know_the_secret_gets_a_rejection_and_a_closed_connection()
    {
        await using var raw = await RawConnection.ConnectAsync(Port);
        var auth = new HandshakeAuthenticator("actorgrad", "wrong"u8);
        var hello = auth.CreateHello(new UniqueAddress { System = "x", Host = "127.0.0.1", Port = 1, Uid = 99 });
        await raw.SendAsync(hello);
        var challenge = await raw.ReadFrameAsync(Bound);
        Assert.Equal(Frame.KindOneofCase.Challenge, challenge!.KindCase);
        await raw.SendAsync(new Frame { Proof = new Proof { Mac = ByteString.CopyFrom(new byte[32]) } });
        var rest = await raw.ReadUntilClosedAsync(Bound);
        var rejected = Assert.Single(rest);
        Assert.Contains("does not know this cluster's secret", rejected.Rejected.Reason);
        await ExpectWarning("does not know this cluster's secret");
    }

    [Fact]
    public async Task Frames_before_the_handshake_are_rejected_and_never_delivered()
    {
        await using var raw = await RawConnection.ConnectAsync(Port);
        await raw.SendAsync(EnvelopeToTarget("smuggled"));
        await raw.SendAsync(EnvelopeToTarget("smuggled again"));
        var frames = await raw.ReadUntilClosedAsync(Bound);
        Assert.Contains("before the handshake", Assert.Single(frames).Rejected.Reason);
        await ExpectWarning("before the handshake");
        // The connection is closed and the member lives on; nothing reached the actor.
        _target.Ref.Tell("after");
        await _target.ExpectMsgAsync("after", Bound);
        await _target.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task An_oversized_length_prefix_closes_the_connection_with_a_logged_reason()
    {
        await using var raw = await RawConnection.ConnectAsync(Port);
        var prefix = new byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(prefix, uint.MaxValue - 3);
        await raw.SendBytesAsync(prefix);
        Assert.Empty(await raw.ReadUntilClosedAsync(Bound));
        await ExpectWarning("exceeds the maximum frame size");
    }

    [Fact]
    public async Task A_frame_over_the_receivers_limit_closes_that_connection_only_and_later_messages_flow()
    {
        var small = await ClusterMember.StartAsync(Fast("small", _member.SelfAddress.HostPort) with { MaxFrameBytes = 64 * 1024 }, Quiet);
        try
        {
            await small.WhenUp.WaitAsync(Bound);
            var receiver = new TestProbe(small.System, "receiver");
            var smallWarnings = new TestProbe(small.System);
            small.System.EventStream.Subscribe(smallWarnings.Ref, typeof(LogEvent));
            var remote = _member.ActorAt(small.SelfAddress, "/user/receiver");
            remote.Tell(Engine.Tensors.Tensor.Zeros(100_000)); // 400 KB: over the receiver's 64 KB limit
            await smallWarnings.FishForMessageAsync<LogEvent>(e => e.Message.Contains("exceeds the maximum frame size"), Bound);
            // Frames written behind the big one died with its connection (at-most-once, as Akka's remoting);
            // the sender reconnects on its next message.
            var delivered = false;
            for (var i = 0; i < 100 && !delivered; i++)
            {
                remote.Tell("small enough " + i);
                delivered = await receiver.ReceiveOneAsync(TimeSpan.FromMilliseconds(200)) is string;
            }
            Assert.True(delivered, "no message reached the receiver after the oversized frame");
        }
        finally { await small.DisposeAsync(); }
    }

    [Fact]
    public async Task Random_and_mutated_frames_close_only_their_connections_and_the_member_keeps_working()
    {
        var rng = new Random(20261123);
        var valid = FrameEncoder.Encode(EnvelopeToTarget("fuzz"));
        var hello = FrameEncoder.Encode(new HandshakeAuthenticator("actorgrad", "wrong"u8).CreateHello(new UniqueAddress { System = "f", Host = "127.0.0.1", Port = 2, Uid = 7 }));
        for (var i = 0; i < 10_000; i++)
        {
            var bytes = (i % 3) switch
            {
                0 => RandomBytes(rng, rng.Next(0, 200)),
                1 => Mutate(rng, valid),
                _ => Mutate(rng, hello),
            };
            await using var raw = await RawConnection.ConnectAsync(Port);
            await raw.SendBytesAsync(bytes);
            raw.FinishSending();
            // A mutated Hello may still be a valid Hello: then the member answers with a challenge; we hang up.
            var answer = await raw.ReadFrameAsync(Bound);
            Assert.True(answer is null || answer.KindCase is Frame.KindOneofCase.Rejected or Frame.KindOneofCase.Challenge, $"fuzz case {i}: {answer?.KindCase}");
        }
        await _target.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(100));
        var echo = _member.System.ActorOf(Props.Create(() => new EchoActor()), "echo");
        Assert.Equal("alive", await echo.Ask<string>("alive", Bound));
        await _warnings.FishForMessageAsync<LogEvent>(e => e.Message.Contains("Refused the connection") || e.Message.Contains("refused"), Bound);
    }

    private static byte[] RandomBytes(Random rng, int n)
    {
        var b = new byte[n];
        rng.NextBytes(b);
        return b;
    }

    private static byte[] Mutate(Random rng, byte[] frame)
    {
        var b = (byte[])frame.Clone();
        var flips = rng.Next(1, 6);
        for (var k = 0; k < flips; k++) b[rng.Next(b.Length)] = (byte)rng.Next(256);
        return rng.Next(4) == 0 ? b[..rng.Next(b.Length)] : b;
    }
}
