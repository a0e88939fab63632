using ActorGrad.Protocol.Wire;
using WireStatus = ActorGrad.Protocol.Wire.MemberStatus;

namespace ActorGrad.Engine.Cluster;

// Membership: joining, gossip, failure detection, leader actions. State changes happen under _gate;
// what they cause outside (events, quarantine, Terminated to watchers) runs after it is released.
public sealed partial class Cluster
{
    private void BeginJoin()
    {
        var effects = new List<Action>();
        lock (_gate)
        {
            // No seeds, or this member first among them: it forms a new cluster, as Akka's first seed does.
            var formsCluster = _settings.Seeds.Count == 0 || Normalize(_settings.Seeds[0]) == SelfAddress.HostPort;
            if (formsCluster)
            {
                _joined = true;
                Publish(effects, new MemberJoined(_self.ToMember()));
                SetStatus(_self, MemberStatus.Up, effects);
            }
        }
        Run(effects);
        var period = _settings.HeartbeatInterval < _settings.GossipInterval ? _settings.HeartbeatInterval : _settings.GossipInterval;
        _timer.Change(TimeSpan.Zero, period);
    }

    private void Tick()
    {
        if (Interlocked.Exchange(ref _ticking, 1) != 0) return;
        var effects = new List<Action>();
        var sends = new List<(string HostPort, Frame Frame)>();
        try
        {
            lock (_gate)
            {
                if (_self.Status >= MemberStatus.Down || Volatile.Read(ref _disposed) != 0 && _self.Status != MemberStatus.Leaving) return;
                var now = Environment.TickCount64;
                var gossipDue = now - _lastGossipMs >= (long)_settings.GossipInterval.TotalMilliseconds;
                if (gossipDue) _lastGossipMs = now;

                if (!_joined)
                {
                    if (gossipDue)
                        foreach (var seed in _seeds)
                            sends.Add((seed, new Frame { Join = new Join { Node = SelfAddress.ToWire(), Roles = { _settings.Roles } } }));
                    return;
                }

                foreach (var m in _members.Values.ToList())
                {
                    if (m == _self) continue;
                    if (m.Status is MemberStatus.Down or MemberStatus.Leaving)
                    {
                        if (now - m.StatusSinceMs >= (long)_settings.RemoveDownAfter.TotalMilliseconds)
                            Remove(m, m.Status == MemberStatus.Leaving ? "it left" : "it was down", effects);
                        continue;
                    }
                    if (!m.Detector.IsMonitoring) m.Detector.HeartbeatArrived(now); // Akka assumes a first heartbeat when monitoring starts.
                    sends.Add((m.Address.HostPort, new Frame { Heartbeat = new Heartbeat { From = SelfAddress.ToWire(), Sequence = ++m.HeartbeatSequence } }));
                    var available = m.Detector.IsAvailable(now, _settings.PhiThreshold);
                    if (m.Reachable && !available)
                    {
                        m.Reachable = false;
                        m.UnreachableSinceMs = now;
                        Publish(effects, new UnreachableMember(m.ToMember()));
                    }
                    else if (!m.Reachable && available)
                    {
                        m.Reachable = true;
                        Publish(effects, new ReachableMember(m.ToMember()));
                    }
                    if (!m.Reachable && now - m.UnreachableSinceMs >= (long)_settings.DownUnreachableAfter.TotalMilliseconds)
                        SetStatus(m, MemberStatus.Down, effects);
                }

                LeaderActions(effects);

                if (gossipDue)
                {
                    var gossip = GossipFrame();
                    foreach (var m in _members.Values)
                        if (m != _self && m.Reachable && m.Status < MemberStatus.Leaving) sends.Add((m.Address.HostPort, gossip)); // a leaving member is on its way out
                }
            }
        }
        finally
        {
            Run(effects);
            foreach (var (hostPort, frame) in sends) SendControl(hostPort, frame);
            Remoting.SweepTemporaries();
            Volatile.Write(ref _ticking, 0);
        }
    }

    /// <summary>The leader (lowest reachable address) moves joining members Up.</summary>
    private void LeaderActions(List<Action> effects)
    {
        if (_self.Status is not (MemberStatus.Up or MemberStatus.Joining) || !_joined) return;
        MemberState? leader = null;
        foreach (var m in _members.Values)
            if (m.Reachable && m.Status is MemberStatus.Up or MemberStatus.Joining && (leader is null || MemberAddress.Compare(m.Address, leader.Address) < 0))
                leader = m;
        if (leader != _self) return;
        foreach (var m in _members.Values)
            if (m.Status == MemberStatus.Joining) SetStatus(m, MemberStatus.Up, effects);
    }

    private Frame GossipFrame()
    {
        var gossip = new Gossip { From = SelfAddress.ToWire() };
        foreach (var m in _members.Values)
            gossip.Members.Add(new Protocol.Wire.Member { Address = m.Address.ToWire(), Status = (WireStatus)(int)m.Status, Roles = { m.Roles } });
        return new Frame { Gossip = gossip };
    }

    private void OnJoin(MemberAddress peer, Join join)
    {
        if (join.Node is null || join.Node.Uid != peer.Uid) return;
        var effects = new List<Action>();
        Frame? welcome = null;
        lock (_gate)
        {
            if (!_joined || _self.Status >= MemberStatus.Leaving || _removedUids.Contains(peer.Uid)) return;
            if (!_members.TryGetValue(peer.HostPort, out var existing) || existing.Address.Uid != peer.Uid)
            {
                if (existing is not null)
                {
                    if (existing.Address.Uid > peer.Uid) return; // a stale join from an older incarnation
                    Remove(existing, $"restarted as uid {peer.Uid}", effects);
                }
                Admit(peer, MemberStatus.Joining, [.. join.Roles], effects);
                LeaderActions(effects);
            }
            welcome = new Frame { Welcome = new Welcome { Gossip = GossipFrame().Gossip } };
        }
        Run(effects);
        SendControl(peer.HostPort, welcome);
    }

    private void OnWelcome(Welcome welcome)
    {
        var effects = new List<Action>();
        lock (_gate)
        {
            if (welcome.Gossip is null) return;
            if (!_joined)
            {
                _joined = true;
                Publish(effects, new MemberJoined(_self.ToMember()));
            }
            Merge(welcome.Gossip, effects);
        }
        Run(effects);
    }

    private void OnGossip(MemberAddress peer, Gossip gossip)
    {
        var effects = new List<Action>();
        lock (_gate)
        {
            if (!_joined || _removedUids.Contains(peer.Uid)) return;
            Merge(gossip, effects);
        }
        Run(effects);
    }

    private void Merge(Gossip gossip, List<Action> effects)
    {
        foreach (var wire in gossip.Members)
        {
            if (wire.Address is null || wire.Address.Uid == 0 || wire.Status is WireStatus.Unspecified or WireStatus.Unreachable) continue;
            var address = MemberAddress.FromWire(wire.Address);
            var status = wire.Status switch
            {
                WireStatus.Joining => MemberStatus.Joining,
                WireStatus.Up => MemberStatus.Up,
                WireStatus.Leaving => MemberStatus.Leaving,
                WireStatus.Down => MemberStatus.Down,
                _ => MemberStatus.Removed,
            };
            if (_removedUids.Contains(address.Uid)) continue;
            if (address.Uid == SelfAddress.Uid)
            {
                if (status >= MemberStatus.Down && _self.Status < MemberStatus.Down)
                {
                    System.Log.Error(null, Source, $"The cluster marked this member {status}: it leaves the cluster.");
                    SetStatus(_self, MemberStatus.Down, effects);
                    effects.Add(() => _removed.TrySetResult());
                }
                else if (status > _self.Status) SetStatus(_self, status, effects);
                continue;
            }
            if (_members.TryGetValue(address.HostPort, out var local) && local.Address.Uid != address.Uid)
            {
                if (local.Address.Uid > address.Uid) continue;
                Remove(local, $"restarted as uid {address.Uid}", effects);
                local = null;
            }
            if (local is null)
            {
                if (status < MemberStatus.Down) Admit(address, status, [.. wire.Roles], effects);
                continue;
            }
            var merged = MemberState.Merge(local.Status, status);
            if (merged != local.Status) SetStatus(local, merged, effects);
        }
    }

    private void OnLeave(Leave leave)
    {
        if (leave.Node is null) return;
        var effects = new List<Action>();
        lock (_gate)
        {
            var address = MemberAddress.FromWire(leave.Node);
            if (_members.TryGetValue(address.HostPort, out var m) && m.Address.Uid == address.Uid && m.Status < MemberStatus.Leaving)
                SetStatus(m, MemberStatus.Leaving, effects);
        }
        Run(effects);
    }

    private void OnHeartbeatAck(MemberAddress peer)
    {
        lock (_gate)
            if (_members.TryGetValue(peer.HostPort, out var m) && m.Address.Uid == peer.Uid)
                m.Detector.HeartbeatArrived(Environment.TickCount64);
    }

    private void Admit(MemberAddress address, MemberStatus status, IReadOnlyList<string> roles, List<Action> effects)
    {
        var state = NewState(address, MemberStatus.Joining, roles);
        _members[address.HostPort] = state;
        if (_terminatedHostPorts.Remove(address.HostPort)) PublishTerminatedSnapshot();
        Publish(effects, new MemberJoined(state.ToMember()));
        if (status > MemberStatus.Joining) SetStatus(state, status, effects);
    }

    private void SetStatus(MemberState m, MemberStatus status, List<Action> effects)
    {
        if (status <= m.Status) return;
        m.Status = status;
        m.StatusSinceMs = Environment.TickCount64;
        var member = m.ToMember();
        switch (status)
        {
            case MemberStatus.Up:
                Publish(effects, new MemberUp(member));
                if (m == _self) effects.Add(() => _up.TrySetResult());
                break;
            case MemberStatus.Leaving: Publish(effects, new MemberLeft(member)); break;
            case MemberStatus.Down: Publish(effects, new MemberDowned(member)); break;
        }
    }

    /// <summary>The incarnation is gone for good: quarantine its uid and tell the watchers of its actors.</summary>
    private void Remove(MemberState m, string reason, List<Action> effects)
    {
        if (m == _self) return;
        _members.Remove(m.Address.HostPort);
        _removedUids.Add(m.Address.Uid);
        if (_terminatedHostPorts.Add(m.Address.HostPort)) PublishTerminatedSnapshot();
        var previous = m.Status;
        m.Status = MemberStatus.Removed;
        var member = m.ToMember();
        Publish(effects, new MemberRemoved(member, previous));
        effects.Add(() =>
        {
            _transport.Quarantine(member.Address, reason);
            Remoting.AddressTerminated(member.Address);
        });
    }

    private void Publish(List<Action> effects, ClusterEvent e) => effects.Add(() =>
    {
        System.Log.Info(Source, Describe(e));
        System.EventStream.Publish(e);
    });

    private static string Describe(ClusterEvent e) => e switch
    {
        MemberRemoved r => $"Member removed: {r.Member.Address} (was {r.PreviousStatus})",
        UnreachableMember => $"Member unreachable: {e.Member.Address}",
        ReachableMember => $"Member reachable again: {e.Member.Address}",
        _ => $"Member {e.Member.Status}: {e.Member.Address}",
    };

    private static void Run(List<Action> effects)
    {
        foreach (var effect in effects) effect();
    }

    /// <summary>Leaves gracefully: the others remove this member without waiting for the failure detector.</summary>
    public async Task LeaveAsync(TimeSpan? timeout = null)
    {
        List<string> peers;
        var effects = new List<Action>();
        lock (_gate)
        {
            if (_self.Status >= MemberStatus.Leaving) return;
            SetStatus(_self, MemberStatus.Leaving, effects);
            peers = _members.Values.Where(m => m != _self && m.Status < MemberStatus.Leaving).Select(m => m.Address.HostPort).ToList();
        }
        Run(effects);
        var leave = new Frame { Leave = new Leave { Node = SelfAddress.ToWire() } };
        foreach (var p in peers) SendControl(p, leave);
        await _transport.DrainAsync(timeout ?? TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        _removed.TrySetResult();
    }
}
