using System.Diagnostics;
using System.Text;
using ActorGrad.Engine.Actors;
using ActorGrad.Engine.Cluster;
using ActorGrad.Engine.Tensors;
using ActorGrad.Protocol.Wire;
using ActorGrad.TestKit;
using Google.Protobuf;
using Envelope = ActorGrad.Protocol.Wire.Envelope;
using Member = ActorGrad.Engine.Cluster.Member;
using MemberStatus = ActorGrad.Engine.Cluster.MemberStatus;
using static ActorGrad.Cluster.Tests.ClusterTestSettings;
using ClusterMember = ActorGrad.Engine.Cluster.Cluster;

namespace ActorGrad.Cluster.Tests;

/// <summary>
/// Real separate `actorgrad node` processes on loopback, and this test process as one more member
/// (the "tester") that talks to their /user/echo actors and watches membership.
/// </summary>
public sealed class MultiProcessTests : IAsyncLifetime
{
    private readonly string _secretFile = Path.Combine(Path.GetTempPath(), $"actorgrad-secret-{Guid.NewGuid():N}");
    private readonly List<NodeProcess> _nodes = [];
    private readonly List<ClusterMember> _members = [];

    public Task InitializeAsync() => File.WriteAllBytesAsync(_secretFile, Secret);

    public async Task DisposeAsync()
    {
        foreach (var m in _members) await m.DisposeAsync();
        foreach (var n in _nodes) await n.DisposeAsync();
        File.Delete(_secretFile);
    }

    private async Task<NodeProcess> StartNode(string name, NodeProcess? seed = null, int port = 0, string? secretFile = null)
    {
        List<string> args = ["--port", port.ToString(), "--secret-file", secretFile ?? _secretFile, "--system", name];
        if (seed is not null) args.AddRange(["--seed", seed.HostPort]);
        var node = await NodeProcess.StartAsync(name, args);
        _nodes.Add(node);
        return node;
    }

    /// <summary>This process as a member; its failure detector is as patient as the nodes' (JIT and GC pauses of 4 processes on 2 cores).</summary>
    private async Task<ClusterMember> StartTester(NodeProcess seed)
    {
        var settings = Fast("tester", seed.HostPort) with
        {
            AcceptableHeartbeatPause = TimeSpan.FromSeconds(3),
            DownUnreachableAfter = TimeSpan.FromSeconds(1),
        };
        var tester = await ClusterMember.StartAsync(settings, Quiet);
        _members.Add(tester);
        await tester.WhenUp.WaitAsync(Bound);
        return tester;
    }

    private static Member MemberOf(ClusterMember tester, NodeProcess node) =>
        tester.Members.Single(m => m.Address.HostPort == node.HostPort && m.Address.Uid == node.Uid);

    private static async Task WaitUntilAllUp(ClusterMember tester, params NodeProcess[] nodes)
    {
        await WaitUntil(() => nodes.All(n => tester.Members.Any(m => m.Address.Uid == n.Uid && m.Status == MemberStatus.Up && m.Reachable)),
            $"the tester sees {string.Join(", ", nodes.Select(n => n.ToString()))} Up");
    }

    /// <summary>Nodes a, b (seeded by a) and c, and the tester, all seen Up by the tester.</summary>
    private async Task<(NodeProcess A, NodeProcess B, NodeProcess C, ClusterMember Tester)> StartThreeNodesAndTester()
    {
        var a = await StartNode("a");
        var nodes = await Task.WhenAll(StartNode("b", a), StartNode("c", a));
        var tester = await StartTester(a);
        await WaitUntilAllUp(tester, a, nodes[0], nodes[1]);
        return (a, nodes[0], nodes[1], tester);
    }

    private static string Address(NodeProcess node) => $"@{node.HostPort}#{node.Uid}";

    [Fact]
    public async Task Three_nodes_form_a_cluster_and_answer_tell_and_ask_across_members()
    {
        var (a, b, c, tester) = await StartThreeNodesAndTester();

        // Every node sees every other Up, in its own log.
        foreach (var node in new[] { a, b, c })
            foreach (var other in new[] { a, b, c }.Where(o => o != node))
                await node.WaitForLineAsync(l => l.Contains("Membership: MemberUp") && l.Contains(Address(other)), $"{node.Name} sees {other.Name} Up");

        var probe = new TestProbe(tester.System);
        foreach (var node in new[] { a, b, c })
        {
            var echo = tester.ActorAt(MemberOf(tester, node).Address, "/user/echo");
            Assert.Equal($"hello {node.Name}", await echo.Ask<string>($"hello {node.Name}", Bound));
            echo.Tell(42, probe.Ref);
            await probe.ExpectMsgAsync(42, Bound);
            Assert.Equal(probe.LastSender!.Path.ToString(), echo.Path.ToString());

            var tensor = Tensor.FromArray(Enumerable.Range(0, 1000).Select(i => i * 0.5f).ToArray(), [10, 100]);
            var back = await echo.Ask<Tensor>(tensor, Bound);
            Assert.Equal(tensor.Shape.ToArray(), back.Shape.ToArray());
            Assert.Equal(tensor.ToArray(), back.ToArray());

            var failure = await Assert.ThrowsAsync<RemoteException>(() => echo.Ask<string>("fail", Bound));
            Assert.Contains("echo was asked to fail", failure.Message);
        }
    }

    [Fact]
    public async Task A_killed_node_becomes_unreachable_then_down_deathwatch_fires_and_its_restart_is_a_new_member()
    {
        var (a, b, c, tester) = await StartThreeNodesAndTester();

        var events = new TestProbe(tester.System);
        tester.System.EventStream.Subscribe(events.Ref, typeof(ClusterEvent));
        var watcher = new TestProbe(tester.System);
        var echoC = tester.ActorAt(MemberOf(tester, c).Address, "/user/echo");
        watcher.Watch(echoC);
        // Whether the watch reaches c before the kill or not, the watcher is told: by c, or when c's member goes.
        Assert.Equal("before", await echoC.Ask<string>("before", Bound));

        var clock = Stopwatch.StartNew();
        await c.KillAsync();
        await events.FishForMessageAsync<UnreachableMember>(e => e.Member.Address.Uid == c.Uid, Bound);
        var unreachableAfter = clock.Elapsed;
        await events.FishForMessageAsync<MemberDowned>(e => e.Member.Address.Uid == c.Uid, Bound);
        var downAfter = clock.Elapsed;
        await watcher.ExpectTerminatedAsync(echoC, Bound);
        await events.FishForMessageAsync<MemberRemoved>(e => e.Member.Address.Uid == c.Uid, Bound);
        // The surviving processes reach the same verdict on their own.
        foreach (var survivor in new[] { a, b })
        {
            await survivor.WaitForLineAsync(l => l.Contains("Membership: UnreachableMember") && l.Contains(Address(c)), $"{survivor.Name} marks c unreachable");
            await survivor.WaitForLineAsync(l => l.Contains("Membership: MemberDowned") && l.Contains(Address(c)), $"{survivor.Name} marks c down");
            await survivor.WaitForLineAsync(l => l.Contains("Membership: MemberRemoved") && l.Contains(Address(c)), $"{survivor.Name} removes c");
        }
        Assert.True(unreachableAfter < Bound && downAfter < Bound, $"unreachable after {unreachableAfter}, down after {downAfter}");

        // The same port again: a new incarnation with a new uid joins; the old uid stays gone.
        var c2 = await StartNode("c", a, port: c.Port);
        Assert.NotEqual(c.Uid, c2.Uid);
        await WaitUntilAllUp(tester, a, b, c2);
        Assert.DoesNotContain(tester.Members, m => m.Address.Uid == c.Uid);
        await a.WaitForLineAsync(l => l.Contains("Membership: MemberUp") && l.Contains(Address(c2)), "a sees the new c Up");
        var echoC2 = tester.ActorAt(MemberOf(tester, c2).Address, "/user/echo");
        Assert.Equal("again", await echoC2.Ask<string>("again", Bound));
    }

    [Fact]
    public async Task A_node_with_the_wrong_secret_is_refused_and_never_joins()
    {
        var a = await StartNode("a");
        var tester = await StartTester(a);
        var wrongSecret = _secretFile + ".wrong";
        await File.WriteAllTextAsync(wrongSecret, "not the cluster's secret");
        try
        {
            var intruder = await StartNode("intruder", a, secretFile: wrongSecret);
            await a.WaitForLineAsync(l => l.Contains("warn") && l.Contains("refused") && l.Contains("secret"), "a refuses the intruder");
            await intruder.WaitForLineAsync(l => l.Contains("warn") && l.Contains("does not know this cluster's secret"), "the intruder learns the seed does not share its secret");
            Assert.DoesNotContain(intruder.Lines, l => l.Contains("This member is Up"));
            Assert.DoesNotContain(a.Lines, l => l.Contains("Membership:") && l.Contains(Address(intruder)));
            Assert.DoesNotContain(tester.Members, m => m.Address.Port == intruder.Port);
        }
        finally { File.Delete(wrongSecret); }
    }

    [Fact]
    public async Task Frames_sent_to_a_node_before_the_handshake_are_rejected_and_the_connection_closed()
    {
        var a = await StartNode("a");
        await using var raw = await RawConnection.ConnectAsync(a.Port);
        await raw.SendAsync(new Frame
        {
            Envelope = new Envelope
            {
                Recipient = $"actorgrad://a@{a.HostPort}/user/echo",
                SenderMemberUid = 1,
                User = new UserMessage { SerializerId = 1, Manifest = "s", Body = ByteString.CopyFromUtf8("sneaked in") },
            },
        });
        var frames = await raw.ReadUntilClosedAsync(Bound);
        var rejected = Assert.Single(frames);
        Assert.Equal(Frame.KindOneofCase.Rejected, rejected.KindCase);
        Assert.Contains("before the handshake", rejected.Rejected.Reason);
        await a.WaitForLineAsync(l => l.Contains("warn") && l.Contains("before the handshake"), "a logs the rejection");
    }

    [Fact]
    public async Task Sigterm_makes_a_node_leave_the_cluster_and_exit_cleanly()
    {
        var a = await StartNode("a");
        var b = await StartNode("b", a);
        var tester = await StartTester(a);
        await WaitUntilAllUp(tester, a, b);
        // b must know the tester itself (not only through a's gossip) for its Leave to reach it directly.
        var testerAddress = $"@{tester.SelfAddress.HostPort}#{tester.SelfAddress.Uid}";
        await b.WaitForLineAsync(l => l.Contains("Membership: MemberUp") && l.Contains(testerAddress), "b sees the tester Up");
        var events = new TestProbe(tester.System);
        tester.System.EventStream.Subscribe(events.Ref, typeof(ClusterEvent));

        await b.TerminateAsync();
        Assert.Equal(0, b.ExitCode);
        Assert.Contains(b.Lines, l => l.Contains("Leaving the cluster"));
        Assert.Contains(b.Lines, l => l.Contains("Stopped"));
        var removed = await events.FishForMessageAsync<MemberRemoved>(e => e.Member.Address.Uid == b.Uid, Bound);
        Assert.Equal(MemberStatus.Leaving, removed.PreviousStatus);
        await a.WaitForLineAsync(l => l.Contains("Membership: MemberRemoved") && l.Contains(Address(b)), "a removes b");
    }

    [Fact]
    public async Task Bad_node_configuration_exits_with_a_clear_message()
    {
        await using var noSecret = await NodeProcess.StartAsync("no-secret", ["--port", "0"], waitUntilListening: false);
        await noSecret.WaitForLineAsync(l => l.Contains("A cluster secret is required"), "the missing secret is named");
        await WaitUntil(() => noSecret.HasExited, "the node without a secret exits");
        Assert.Equal(2, noSecret.ExitCode);

        await using var badSeed = await NodeProcess.StartAsync("bad-seed", ["--port", "0", "--secret-file", _secretFile, "--seed", "nowhere"], waitUntilListening: false);
        await badSeed.WaitForLineAsync(l => l.Contains("'nowhere' is not host:port"), "the bad seed is named");
        await WaitUntil(() => badSeed.HasExited, "the node with a bad seed exits");
        Assert.Equal(2, badSeed.ExitCode);

        var a = await StartNode("a");
        await using var samePort = await NodeProcess.StartAsync("same-port", ["--port", a.Port.ToString(), "--secret-file", _secretFile], waitUntilListening: false);
        await samePort.WaitForLineAsync(l => l.Contains($"Cannot listen on 127.0.0.1:{a.Port}"), "the busy port is named");
        await WaitUntil(() => samePort.HasExited, "the node on a busy port exits");
        Assert.Equal(2, samePort.ExitCode);
    }
}
