using ActorGrad.Engine.Actors;
using ActorGrad.TestKit;
using static ActorGrad.Cluster.Tests.ClusterTestSettings;
using ClusterMember = ActorGrad.Engine.Cluster.Cluster;

namespace ActorGrad.Cluster.Tests;

/// <summary>Two members that start talking to each other at the same moment both dial; no message may be lost to that.</summary>
public sealed class SimultaneousConnectTests
{
    private const int Messages = 300;

    [Fact]
    public async Task Messages_sent_while_both_members_dial_each_other_all_arrive_in_order()
    {
        for (var round = 0; round < 25; round++)
        {
            // No seeds between them: the first messages open the connections, from both ends at once.
            await using var a = await ClusterMember.StartAsync(Fast("left"), Quiet);
            await using var b = await ClusterMember.StartAsync(Fast("right"), Quiet);
            var logs = new System.Collections.Concurrent.ConcurrentQueue<string>();
            // On failure the transport's story of the round is in the message.
            a.System.EventStream.Subscribe<LogEvent>(e => { if (e.Source == "cluster.transport") logs.Enqueue("a " + e); });
            b.System.EventStream.Subscribe<LogEvent>(e => { if (e.Source == "cluster.transport") logs.Enqueue("b " + e); });
            var atA = new TestProbe(a.System, "inbox");
            var atB = new TestProbe(b.System, "inbox");
            var toB = a.ActorAt(b.SelfAddress, "/user/inbox");
            var toA = b.ActorAt(a.SelfAddress, "/user/inbox");
            using var go = new Barrier(2);
            var sendA = Task.Run(() => { go.SignalAndWait(); for (var i = 0; i < Messages; i++) toB.Tell(i); });
            var sendB = Task.Run(() => { go.SignalAndWait(); for (var i = 0; i < Messages; i++) toA.Tell(i); });
            await Task.WhenAll(sendA, sendB);
            foreach (var (probe, name) in new[] { (atB, "b"), (atA, "a") })
                for (var i = 0; i < Messages; i++)
                    try { await probe.ExpectMsgAsync(i, Bound, $"round {round}: message {i} at {name}"); }
                    catch (Exception e) { Assert.Fail(e.Message + "\n" + string.Join("\n", logs)); }
        }
    }
}
