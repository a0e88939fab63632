using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Configuration;
using Xunit.Abstractions;
using static ActorGrad.Cluster.Tests.ClusterTestSettings;

namespace ActorGrad.Cluster.Tests;

/// <summary>
/// 10,000 random and mutated byte streams sent to a member's remoting port: the member stays up,
/// and its cluster keeps working.
/// </summary>
public sealed class FuzzTests(ITestOutputHelper output) : ClusterTest(output)
{
    private const int Streams = 10_000;
    private const int Parallel = 8;

    [Fact]
    public async Task Ten_thousand_random_and_mutated_streams_leave_the_member_up_and_its_cluster_working()
    {
        var a = await StartNode("a");
        var b = await StartNode("b", a);
        var tester = await StartTester(a);
        await tester.WaitUntilAllUp(a, b);

        var seed = await CaptureRealStream(a.Port);
        var firstFrame = FirstFrameLength(seed);
        Output.WriteLine($"captured {seed.Length} bytes of a real Akka.Remote stream; first frame (Associate) {firstFrame} bytes");

        var random = new Random(20261128);
        var streams = Enumerable.Range(0, Streams).Select(i => MakeStream(random, seed, firstFrame, i)).ToArray();
        var clock = Stopwatch.StartNew();
        var next = -1;
        var sent = 0;
        using var bound = new CancellationTokenSource(Bound * 3);
        await Task.WhenAll(Enumerable.Range(0, Parallel).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < Streams)
            {
                await SendAndClose(a.Port, streams[i], bound.Token);
                Interlocked.Increment(ref sent);
            }
        }));
        Output.WriteLine($"{sent} streams in {clock.Elapsed.TotalSeconds:0.0} s");
        // The garbage reached Akka's framing and protocol layers, which refused it connection by connection.
        await a.WaitForLineAsync(l => l.Contains("Error while decoding incoming Akka PDU"), "a refuses undecodable PDUs");
        await a.WaitForLineAsync(l => l.Contains("CorruptedFrameException") || l.Contains("TooLongFrameException"), "a refuses bad frames");
        Output.WriteLine($"member a logged {a.Lines.Count(l => l.Contains("Error while decoding incoming Akka PDU"))} PDU decoding errors, " +
            $"{a.Lines.Count(l => l.Contains("CorruptedFrameException") || l.Contains("TooLongFrameException"))} framing errors");
        Assert.Equal(Streams, sent);

        // The member is up, still a member, and answers; the cluster still works across it.
        Assert.False(a.HasExited);
        await tester.WaitUntilAllUp(a, b);
        var echoA = await tester.EchoOf(a);
        Assert.Equal("after fuzz", await echoA.Ask<string>("after fuzz", Bound));
        var probe = tester.Kit.CreateTestProbe();
        echoA.Tell(new byte[] { 1, 2, 3 }, probe.Ref);
        Assert.Equal(new byte[] { 1, 2, 3 }, await probe.ExpectMsgAsync<byte[]>(Bound));
        Assert.DoesNotContain(a.Lines, l => l.Contains("Membership: MemberDowned") || l.Contains("Membership: UnreachableMember"));
    }

    /// <summary>
    /// The bytes a real Akka.Remote system sends a member: a remoting-only system associates through a
    /// recording proxy and tells /user/nobody a string (a dead letter there, so the member replies nothing).
    /// </summary>
    private static async Task<byte[]> CaptureRealStream(int memberPort)
    {
        await using var proxy = new CaptureProxy(memberPort);
        var config = ConfigurationFactory.ParseString("""
            akka.actor.provider = remote
            akka.remote.dot-netty.tcp.hostname = 127.0.0.1
            akka.remote.dot-netty.tcp.port = 0
            akka.loglevel = WARNING
            akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
            """);
        using var client = ActorSystem.Create("actorgrad", config);
        var target = client.ActorSelection($"akka.tcp://actorgrad@127.0.0.1:{proxy.Port}/user/nobody");
        // Bounded wait until the association handshake and the message went through the proxy.
        var deadline = Stopwatch.StartNew();
        while (proxy.Captured.Length < 200 && deadline.Elapsed < Bound)
        {
            target.Tell("a real message that the fuzzer will mutate");
            await Task.Delay(50);
        }
        await client.Terminate();
        var captured = proxy.Captured;
        Assert.True(captured.Length >= 200, $"captured only {captured.Length} bytes of the real stream");
        return captured;
    }

    /// <summary>Akka.Remote frames are a 4-byte little-endian length and the body.</summary>
    private static int FirstFrameLength(byte[] stream) => 4 + BinaryPrimitives.ReadInt32LittleEndian(stream);

    /// <summary>
    /// One of: random bytes; random bytes behind a plausible length prefix; the real stream with bytes
    /// flipped, inserted or deleted after the first frame (the Associate frame, with the sender's address,
    /// stays intact, so no mutation makes the member dial an address outside loopback); the real stream
    /// truncated anywhere; its length prefixes corrupted; frames repeated.
    /// </summary>
    private static byte[] MakeStream(Random random, byte[] seed, int firstFrame, int index)
    {
        switch (index % 6)
        {
            case 0:
                return RandomBytes(random, random.Next(1, 4096));
            case 1:
            {
                var body = RandomBytes(random, random.Next(0, 2048));
                var stream = new byte[4 + body.Length];
                BinaryPrimitives.WriteInt32LittleEndian(stream, random.Next(4) == 0 ? random.Next() : body.Length);
                body.CopyTo(stream, 4);
                return stream;
            }
            case 2:
            {
                var stream = (byte[])seed.Clone();
                for (var k = random.Next(1, 9); k > 0; k--)
                    stream[random.Next(firstFrame, stream.Length)] ^= (byte)random.Next(1, 256);
                return stream;
            }
            case 3:
                return seed[..random.Next(1, seed.Length)];
            case 4:
            {
                var stream = (byte[])seed.Clone();
                BinaryPrimitives.WriteInt32LittleEndian(stream.AsSpan(random.Next(2) == 0 ? 0 : firstFrame), random.Next(4) switch
                {
                    0 => -1,
                    1 => int.MaxValue,
                    2 => 0,
                    _ => random.Next(1, 200_000),
                });
                return stream;
            }
            default:
            {
                // Inserted and deleted runs after the first frame, and the whole tail repeated.
                var tail = seed[firstFrame..].ToList();
                if (tail.Count > 0)
                {
                    var start = random.Next(tail.Count);
                    tail.RemoveRange(start, Math.Min(random.Next(1, 16), tail.Count - start));
                }
                tail.InsertRange(random.Next(tail.Count + 1), RandomBytes(random, random.Next(1, 32)));
                return [.. seed[..firstFrame], .. tail, .. tail];
            }
        }
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static async Task SendAndClose(int port, byte[] stream, CancellationToken cancel)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        // An abortive close (RST) when the member already closed on us is fine; so is a refused write.
        socket.LingerState = new LingerOption(true, 0);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancel);
        try { await socket.SendAsync(stream, SocketFlags.None, cancel); }
        catch (SocketException) { /* the member closed the connection first: that is the point */ }
    }
}
