using ActorGrad.Engine.Actors;
using ActorGrad.Engine.Cluster;
using ActorGrad.Engine.Tensors;
using ActorGrad.TestKit;
using static ActorGrad.Cluster.Tests.ClusterTestSettings;
using ClusterMember = ActorGrad.Engine.Cluster.Cluster;

namespace ActorGrad.Cluster.Tests;

/// <summary>Members in this process, talking over loopback TCP: the same code path as separate processes.</summary>
public sealed class InProcessClusterTests : IAsyncLifetime
{
    private ClusterMember _a = null!;
    private ClusterMember _b = null!;

    public async Task InitializeAsync()
    {
        _a = await ClusterMember.StartAsync(Fast("alpha"), Quiet);
        _b = await ClusterMember.StartAsync(Fast("beta", _a.SelfAddress.HostPort), Quiet);
        await Task.WhenAll(_a.WhenUp, _b.WhenUp).WaitAsync(Bound);
        await WaitUntil(() => _a.Members.Count(m => m.Status == MemberStatus.Up) == 2 && _b.Members.Count(m => m.Status == MemberStatus.Up) == 2, "both see two Up members");
    }

    public async Task DisposeAsync()
    {
        await _b.DisposeAsync();
        await _a.DisposeAsync();
    }

    [Fact]
    public void Both_members_see_each_other_up_with_their_uids()
    {
        Assert.Equal(new[] { _a.SelfAddress, _b.SelfAddress }.OrderBy(a => a.Port), _a.Members.Select(m => m.Address).OrderBy(a => a.Port));
        Assert.Equal(_a.Members.Select(m => m.Address).OrderBy(a => a.Port), _b.Members.Select(m => m.Address).OrderBy(a => a.Port));
        Assert.NotEqual(_a.SelfAddress.Uid, _b.SelfAddress.Uid);
    }

    [Fact]
    public async Task Tell_and_ask_reach_an_actor_on_the_other_member()
    {
        _a.System.ActorOf(Props.Create(() => new EchoActor()), "echo");
        var echo = _b.ActorAt(_a.SelfAddress, "/user/echo");
        Assert.Equal("hello", await echo.Ask<string>("hello", Bound));
        Assert.Equal(42, await echo.Ask<int>(42, Bound));
        Assert.Equal(2.5, await echo.Ask<double>(2.5, Bound));
        Assert.Equal(new byte[] { 1, 2, 3 }, await echo.Ask<byte[]>(new byte[] { 1, 2, 3 }, Bound));

        var probe = new TestProbe(_b.System);
        echo.Tell("told", probe.Ref);
        Assert.Equal("told", await probe.ExpectMsgAsync<string>(Bound));
        Assert.Equal(echo.Path.ToString(), probe.LastSender!.Path.ToString());
    }

    [Fact]
    public async Task A_tensor_travels_as_raw_payload_and_arrives_equal()
    {
        _a.System.ActorOf(Props.Create(() => new EchoActor()), "echo");
        var echo = _b.ActorAt(_a.SelfAddress, "/user/echo");
        var sent = Tensor.RandomNormal(7, 3, 5, 7);
        var back = await echo.Ask<Tensor>(sent, Bound);
        Assert.Equal(sent.Shape.ToArray(), back.Shape.ToArray());
        Assert.Equal(sent.ToArray(), back.ToArray());
        Assert.Equal(1.5f, (await echo.Ask<Tensor>(Tensor.Scalar(1.5f), Bound)).Item());
    }

    [Fact]
    public void A_blocking_ask_gets_its_reply_from_the_other_member()
    {
        _a.System.ActorOf(Props.Create(() => new EchoActor()), "echo");
        var echo = _b.ActorAt(_a.SelfAddress, "/user/echo");
        Assert.Equal("sync", echo.AskAndWait<string>("sync", Bound));
        Assert.Throws<RemoteException>(() => echo.AskAndWait<string>("fail", Bound));
    }

    [Fact]
    public async Task A_remote_failure_fails_the_ask_with_the_original_type_and_message()
    {
        _a.System.ActorOf(Props.Create(() => new EchoActor()), "echo");
        var echo = _b.ActorAt(_a.SelfAddress, "/user/echo");
        var e = await Assert.ThrowsAsync<RemoteException>(() => echo.Ask<string>("fail", Bound));
        Assert.Equal(typeof(InvalidOperationException).FullName, e.OriginalType);
        Assert.Contains("asked to fail", e.Message);
    }

    [Fact]
    public void A_message_no_serializer_handles_fails_at_the_tell()
    {
        var echo = _b.ActorAt(_a.SelfAddress, "/user/echo");
        var e = Assert.Throws<MessageNotSerializableException>(() => echo.Tell(new object()));
        Assert.Contains("System.Object", e.Message);
    }

    [Fact]
    public async Task A_message_to_an_unknown_path_is_a_dead_letter_on_the_receiving_member()
    {
        var letters = new TestProbe(_a.System);
        _a.System.EventStream.Subscribe(letters.Ref, typeof(DeadLetter));
        _b.ActorAt(_a.SelfAddress, "/user/nobody").Tell("anyone?");
        var letter = await letters.ExpectMsgAsync<DeadLetter>(d => d.Message is "anyone?", Bound);
        Assert.EndsWith("/user/nobody", letter.Recipient.Path.ToString());
    }

    [Fact]
    public async Task Deathwatch_across_members_fires_when_the_watched_actor_stops()
    {
        _a.System.ActorOf(Props.Create(() => new EchoActor()), "mortal");
        var mortal = _b.ActorAt(_a.SelfAddress, "/user/mortal");
        Assert.Equal("ping", await mortal.Ask<string>("ping", Bound));
        var watcher = new TestProbe(_b.System);
        watcher.Watch(mortal);
        // The watch must be in place on the other member before the stop (the probe sends it from its
        // own actor, so an Ask from here is not ordered after it): wait until that member holds it.
        await WaitUntil(() => _a.Remoting.RemoteWatcherCount == 1, "alpha holds beta's watch");
        mortal.Tell("stop");
        var terminated = await watcher.ExpectTerminatedAsync(mortal, Bound);
        Assert.True(terminated.ExistenceConfirmed);
        Assert.False(terminated.AddressTerminated);
    }

    [Fact]
    public async Task Watching_a_remote_path_with_no_actor_gives_terminated_at_once()
    {
        var ghost = _b.ActorAt(_a.SelfAddress, "/user/ghost");
        var watcher = new TestProbe(_b.System);
        watcher.Watch(ghost);
        var terminated = await watcher.ExpectTerminatedAsync(ghost, Bound);
        Assert.False(terminated.ExistenceConfirmed);
    }

    [Fact]
    public async Task Many_messages_arrive_in_order()
    {
        var collector = new TestProbe(_a.System, "collector");
        var remote = _b.ActorAt(_a.SelfAddress, collector.Ref.Path.ToStringWithoutAddress());
        for (var i = 0; i < 2000; i++) remote.Tell(i);
        var received = await collector.ReceiveNAsync(2000, Bound);
        Assert.Equal(Enumerable.Range(0, 2000), received.Cast<int>());
    }

    [Fact]
    public async Task A_member_that_leaves_is_removed_and_its_watchers_told()
    {
        var c = await ClusterMember.StartAsync(Fast("gamma", _a.SelfAddress.HostPort), Quiet);
        await c.WhenUp.WaitAsync(Bound);
        c.System.ActorOf(Props.Create(() => new EchoActor()), "echo");
        var echo = _a.ActorAt(c.SelfAddress, "/user/echo");
        Assert.Equal("x", await echo.Ask<string>("x", Bound));
        var events = new TestProbe(_a.System);
        _a.System.EventStream.Subscribe(events.Ref, typeof(ClusterEvent));
        var watcher = new TestProbe(_a.System);
        watcher.Watch(echo);
        Assert.Equal("x", await echo.Ask<string>("x", Bound));

        await c.DisposeAsync();
        await events.FishForMessageAsync<MemberRemoved>(r => r.Member.Address == c.SelfAddress, Bound);
        await watcher.ExpectTerminatedAsync(echo, Bound);
        await WaitUntil(() => _b.Members.All(m => m.Address != c.SelfAddress), "the other member removed it too");
    }

    [Fact]
    public async Task A_removed_member_leaves_no_watchers_behind_on_the_others_actors()
    {
        var local = _a.System.ActorOf(Props.Create(() => new EchoActor()), "watched");
        var c = await ClusterMember.StartAsync(Fast("gamma", _a.SelfAddress.HostPort), Quiet);
        await c.WhenUp.WaitAsync(Bound);
        var watcher = new TestProbe(c.System);
        var remote = c.ActorAt(_a.SelfAddress, "/user/watched");
        watcher.Watch(remote);
        Assert.Equal("x", await remote.Ask<string>("x", Bound));
        await WaitUntil(() => _a.Remoting.RemoteWatcherCount == 1, "a knows c watches its actor");

        await c.DisposeAsync();
        await WaitUntil(() => _a.Remoting.RemoteWatcherCount == 0, "a forgets c's watch once c is removed");
        // Stopping the actor now sends nothing towards the removed member.
        var own = new TestProbe(_a.System);
        own.Watch(local);
        local.Tell("stop");
        await own.ExpectTerminatedAsync(local, Bound);
    }
}
