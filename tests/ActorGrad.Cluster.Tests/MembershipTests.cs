using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using Xunit.Abstractions;
using static ActorGrad.Cluster.Tests.ClusterTestSettings;
using static Akka.Cluster.ClusterEvent;

namespace ActorGrad.Cluster.Tests;

/// <summary>
/// Real separate `actorgrad node` processes on loopback forming an Akka cluster with this test
/// process: messages across members, a killed member downed by the split brain resolver, a
/// restarted one joining as a new incarnation, and a graceful leave on SIGTERM.
/// </summary>
public sealed class MembershipTests(ITestOutputHelper output) : ClusterTest(output)
{
    [Fact]
    public async Task Three_nodes_form_a_cluster_and_answer_tell_and_ask_across_members()
    {
        var (a, b, c, tester) = await StartThreeNodesAndTester();

        // Every node sees every other Up, in its own log.
        foreach (var node in new[] { a, b, c })
            foreach (var other in new[] { a, b, c }.Where(o => o != node))
                await node.WaitForLineAsync(l => l.Contains("Membership: MemberUp") && l.Contains(other.Incarnation), $"{node.Name} sees {other.Name} Up");

        var probe = tester.Kit.CreateTestProbe();
        foreach (var node in new[] { a, b, c })
        {
            var echo = await tester.EchoOf(node);
            Assert.Equal(node.Address, echo.Path.Address.ToString());
            Assert.Equal($"hello {node.Name}", await echo.Ask<string>($"hello {node.Name}", Bound));

            var bytes = Enumerable.Range(0, 4096).Select(i => (byte)(i * 7)).ToArray();
            echo.Tell(bytes, probe.Ref);
            Assert.Equal(bytes, await probe.ExpectMsgAsync<byte[]>(Bound));
            Assert.Equal(echo, probe.LastSender);

            var identity = await echo.Ask<ActorIdentity>(new Identify(node.Name), Bound);
            Assert.Equal(node.Name, identity.MessageId);
            Assert.Equal(echo, identity.Subject);

            var failure = await Assert.ThrowsAnyAsync<Exception>(() => echo.Ask<string>("fail", Bound));
            Assert.Contains("echo was asked to fail", failure.Message);
        }

        // An actor that does not exist is a dead letter, not an error of the member.
        var nobody = await tester.System.ActorSelection($"{a.Address}/user/nobody").Ask<ActorIdentity>(new Identify(1), Bound);
        Assert.Null(nobody.Subject);
    }

    [Fact]
    public async Task A_killed_node_becomes_unreachable_is_downed_by_the_resolver_deathwatch_fires_and_its_restart_is_a_new_incarnation()
    {
        var (a, b, c, tester) = await StartThreeNodesAndTester();
        var events = tester.SubscribeToClusterEvents();
        var watcher = tester.Kit.CreateTestProbe();
        var echoC = await tester.EchoOf(c);
        watcher.Watch(echoC);
        Assert.Equal("before", await echoC.Ask<string>("before", Bound));

        var clock = Stopwatch.StartNew();
        await c.KillAsync();
        bool IsC(Member m) => m.UniqueAddress.Uid == c.Uid && m.Address.ToString() == c.Address;
        await events.FishForMessageAsync<UnreachableMember>(e => IsC(e.Member), Bound);
        var unreachableAfter = clock.Elapsed;
        await events.FishForMessageAsync<MemberDowned>(e => IsC(e.Member), Bound);
        var downedAfter = clock.Elapsed;
        var removed = await events.FishForMessageAsync<MemberRemoved>(e => IsC(e.Member), Bound);
        Assert.Equal(MemberStatus.Down, removed.PreviousStatus);
        await watcher.ExpectTerminatedAsync(echoC, Bound);
        Output.WriteLine($"c unreachable after {unreachableAfter.TotalSeconds:0.0} s, downed after {downedAfter.TotalSeconds:0.0} s (heartbeat pause {FastClocks[nameof(ClusterMemberOptions.AcceptableHeartbeatPause)].TotalSeconds:0} s, stable-after 2 s)");

        // The surviving processes reach the same verdict on their own.
        foreach (var survivor in new[] { a, b })
        {
            await survivor.WaitForLineAsync(l => l.Contains("Membership: UnreachableMember") && l.Contains(c.Incarnation), $"{survivor.Name} marks c unreachable");
            await survivor.WaitForLineAsync(l => l.Contains("Membership: MemberDowned") && l.Contains(c.Incarnation), $"{survivor.Name} marks c down");
            await survivor.WaitForLineAsync(l => l.Contains("Membership: MemberRemoved") && l.Contains(c.Incarnation), $"{survivor.Name} removes c");
        }
        // The split brain resolver is the downing provider (no auto-down): a, first leader, took the role.
        Assert.Contains(a.Lines, l => l.Contains("leader responsible for taking SBR decisions"));

        // The same port again: a new incarnation (new uid) joins; the old uid stays gone.
        var c2 = await StartNode("c", a, port: c.Port);
        Assert.Equal(c.Address, c2.Address);
        Assert.NotEqual(c.Uid, c2.Uid);
        await tester.WaitUntilAllUp(a, b, c2);
        Assert.DoesNotContain(tester.Cluster.State.Members, m => m.UniqueAddress.Uid == c.Uid);
        await a.WaitForLineAsync(l => l.Contains("Membership: MemberUp") && l.Contains(c2.Incarnation), "a sees the new c Up");
        var echoC2 = await tester.EchoOf(c2);
        Assert.Equal("again", await echoC2.Ask<string>("again", Bound));
    }

    [Fact]
    public async Task Sigterm_makes_a_node_leave_the_cluster_gracefully_and_exit_zero()
    {
        var a = await StartNode("a");
        var b = await StartNode("b", a);
        var tester = await StartTester(a);
        await tester.WaitUntilAllUp(a, b);
        var events = tester.SubscribeToClusterEvents();
        bool IsB(Member m) => m.UniqueAddress.Uid == b.Uid && m.Address.ToString() == b.Address;

        Assert.Equal(0, await b.TerminateAsync());
        await events.FishForMessageAsync<MemberLeft>(e => IsB(e.Member), Bound);
        await events.FishForMessageAsync<MemberExited>(e => IsB(e.Member), Bound);
        var removed = await events.FishForMessageAsync<MemberRemoved>(e => IsB(e.Member), Bound);
        Assert.Equal(MemberStatus.Exiting, removed.PreviousStatus);
        Assert.Contains(b.Lines, l => l.Contains("Leaving the cluster"));
        Assert.Contains(b.Lines, l => l.Contains("Membership: MemberExited") && l.Contains(b.Incarnation));
        Assert.Contains(b.Lines, l => l.Contains("Stopped (ClrExitReason)"));
        Assert.DoesNotContain(b.Lines, l => l.Contains("Membership: MemberDowned"));
        await a.WaitForLineAsync(l => l.Contains("Membership: MemberRemoved") && l.Contains(b.Incarnation), "a removes b");
        Assert.DoesNotContain(a.Lines, l => l.Contains("Membership: UnreachableMember") && l.Contains(b.Incarnation));
    }

    [Fact]
    public async Task A_frozen_node_downed_by_the_others_stops_with_exit_code_3_when_it_runs_again()
    {
        var (a, b, c, tester) = await StartThreeNodesAndTester();
        var events = tester.SubscribeToClusterEvents();
        bool IsC(Member m) => m.UniqueAddress.Uid == c.Uid && m.Address.ToString() == c.Address;

        c.Freeze();
        try
        {
            await events.FishForMessageAsync<MemberDowned>(e => IsC(e.Member), Bound);
            await events.FishForMessageAsync<MemberRemoved>(e => IsC(e.Member), Bound);
        }
        finally { c.Thaw(); }
        // Back, c learns it was downed (or quarantined for it) and stops itself.
        Assert.Equal(3, await c.WaitForExitAsync());
        Assert.Contains(c.Lines, l => l.Contains("This member was downed by the cluster"));
        await tester.WaitUntilAllUp(a, b);
    }

    [Fact]
    public async Task A_member_quarantined_by_a_cluster_member_downs_itself_and_one_quarantined_by_a_stranger_does_not()
    {
        // The path a frozen member takes when the others removed it before it could hear so: it is quarantined.
        var a = await StartNode("a");
        var tester = await StartTester(a);
        await tester.WaitUntilAllUp(a);
        var warnings = tester.Kit.CreateTestProbe();
        tester.System.EventStream.Subscribe(warnings.Ref, typeof(Akka.Event.Warning));
        var self = tester.Cluster.SelfAddress;

        var stranger = new Address("akka.tcp", tester.System.Name, "127.0.0.1", 1);
        tester.System.EventStream.Publish(new Akka.Remote.ThisActorSystemQuarantinedEvent(self, stranger));
        await warnings.FishForMessageAsync<Akka.Event.Warning>(w => w.Message.ToString()!.Contains("not a member of this cluster"), Bound);
        Assert.Equal(MemberStatus.Up, tester.Cluster.SelfMember.Status);
        Assert.False(tester.System.WhenTerminated.IsCompleted);

        tester.System.EventStream.Publish(new Akka.Remote.ThisActorSystemQuarantinedEvent(self, Address.Parse(a.Address)));
        await warnings.FishForMessageAsync<Akka.Event.Warning>(w => w.Message.ToString()!.Contains("downing it"), Bound);
        await tester.System.WhenTerminated.WaitAsync(Bound);
        Assert.IsType<CoordinatedShutdown.ClusterDowningReason>(CoordinatedShutdown.Get(tester.System).ShutdownReason);
        await a.WaitForLineAsync(l => l.Contains("Membership: MemberRemoved") && l.Contains($"{self}#"), "a removes the tester");
    }
}
