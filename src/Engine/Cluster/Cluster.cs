using System.Collections.Frozen;
using System.Net.Sockets;
using ActorGrad.Engine.Actors;
using ActorGrad.Protocol.Wire;

namespace ActorGrad.Engine.Cluster;

/// <summary>
/// A cluster member, after Akka.Cluster: it joins through seed nodes, heartbeats every other member
/// and watches the answers with a phi-accrual failure detector, marks a silent member Unreachable,
/// then Down after a set time, then Removed (its uid quarantined, so a restarted process is a new
/// member), gossips its view, and publishes each change as a <see cref="ClusterEvent"/> on the
/// system's EventStream. Actors on other members are reached through ordinary IActorRefs
/// (<see cref="ActorSystem.ResolveActorRef"/> with a remote path). The cluster owns its actor system.
/// </summary>
public sealed partial class Cluster : IAsyncDisposable, ITransportHandler
{
    private const string Source = "cluster";
    private readonly ClusterSettings _settings;
    private readonly Transport _transport;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, MemberState> _members = new();
    private readonly HashSet<ulong> _removedUids = [];
    private readonly HashSet<string> _terminatedHostPorts = [];
    // Read on every send without the membership lock; replaced (under it) on the rare change.
    private volatile FrozenSet<string> _terminatedSnapshot = FrozenSet<string>.Empty;
    private readonly List<string> _seeds;
    private readonly TaskCompletionSource _up = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _removed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Timer _timer;
    private readonly MemberState _self;
    private long _lastGossipMs;
    private bool _joined;
    private int _ticking;
    private int _disposed;

    private Cluster(ClusterSettings settings, ActorSystem system, Socket listener, MemberAddress self)
    {
        _settings = settings;
        System = system;
        SelfAddress = self;
        Remoting = new Remoting(this, system, new MessageSerialization(settings.Serializers));
        _transport = new Transport(settings, listener, self, system.Log);
        _seeds = settings.Seeds.Select(s => Normalize(s)).Where(s => s != self.HostPort).Distinct().ToList();
        _self = NewState(self, MemberStatus.Joining, settings.Roles);
        _members[self.HostPort] = _self;
        _timer = new Timer(_ => Tick(), null, Timeout.Infinite, Timeout.Infinite);
    }

    /// <summary>Binds the listener, creates the member's actor system, and starts joining.</summary>
    public static Task<Cluster> StartAsync(ClusterSettings settings, ActorSystemSettings? systemSettings = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        var listener = Transport.Bind(settings.Host, settings.Port);
        var port = ((System.Net.IPEndPoint)listener.LocalEndPoint!).Port;
        ActorSystem system;
        try
        {
            system = ActorSystem.Create(settings.SystemName, (systemSettings ?? new ActorSystemSettings()) with { Host = settings.Host, Port = port });
        }
        catch
        {
            listener.Dispose();
            throw;
        }
        var self = new MemberAddress(settings.SystemName, settings.Host, port, NewUid());
        var cluster = new Cluster(settings, system, listener, self);
        system.RegisterRemoteResolver(cluster.ResolveRemote);
        cluster._transport.Start(cluster);
        cluster.BeginJoin();
        return Task.FromResult(cluster);
    }

    public ActorSystem System { get; }
    public MemberAddress SelfAddress { get; }
    public ClusterSettings Settings => _settings;
    public MessageSerialization Serialization => Remoting.Serialization;
    internal Remoting Remoting { get; }

    /// <summary>Completes when this member is Up.</summary>
    public Task WhenUp => _up.Task;

    /// <summary>Completes when this member has left, or was downed and removed by the others.</summary>
    public Task WhenRemoved => _removed.Task;

    /// <summary>Every member this node knows, itself included, ordered by address.</summary>
    public IReadOnlyList<Member> Members
    {
        get
        {
            lock (_gate) return _members.Values.OrderBy(m => m.Address, Comparer<MemberAddress>.Create(MemberAddress.Compare)).Select(m => m.ToMember()).ToList();
        }
    }

    public Member SelfMember
    {
        get { lock (_gate) return _self.ToMember(); }
    }

    /// <summary>Handshakes and connections refused or closed for malformed input (for tests and metrics).</summary>
    public long RejectedConnections => _transport.FramesRejected;

    /// <summary>A reference to the actor at <paramref name="path"/> (e.g. "/user/echo") on <paramref name="member"/>.</summary>
    public IActorRef ActorAt(MemberAddress member, string path)
    {
        var text = $"{ActorAddress.Scheme}://{member.System}@{member.Host}:{member.Port}{(path.StartsWith('/') ? path : "/" + path)}";
        return System.ResolveActorRef(ActorPath.Parse(text));
    }

    private static ulong NewUid()
    {
        // Time-ordered, so a restarted incarnation at the same address compares greater than the old one.
        var ticks = (ulong)DateTime.UtcNow.Ticks;
        return (ticks << 8) | (byte)Random.Shared.Next(1, 256);
    }

    private static string Normalize(string hostPort)
    {
        var (host, port) = ClusterSettings.ParseHostPort(hostPort);
        return $"{(host == "localhost" ? "127.0.0.1" : host)}:{port}";
    }

    private MemberState NewState(MemberAddress address, MemberStatus status, IReadOnlyList<string> roles) =>
        new(address, status, roles, new PhiAccrualFailureDetector(_settings.HeartbeatInterval, _settings.MinHeartbeatStdDeviation, _settings.AcceptableHeartbeatPause))
        {
            StatusSinceMs = Environment.TickCount64,
        };

    private InternalActorRef? ResolveRemote(ActorPath path) =>
        path.Address.Host is null || path.Address.Port is null ? null : new RemoteActorRef(this, path);

    internal bool IsAddressTerminated(ActorAddress address) => IsAddressTerminated(Remoting.HostPort(address));

    internal bool IsAddressTerminated(string hostPort) => _terminatedSnapshot.Contains(hostPort);

    private void PublishTerminatedSnapshot() => _terminatedSnapshot = _terminatedHostPorts.ToFrozenSet();

    internal void SendFrame(ActorAddress address, in OutboundFrame frame) => SendFrame(Remoting.HostPort(address), frame);

    internal void SendFrame(string hostPort, in OutboundFrame frame)
    {
        if (IsAddressTerminated(hostPort)) OnUndelivered(frame, $"the member at {hostPort} was removed from the cluster");
        else _transport.Send(hostPort, frame);
    }

    private void SendControl(string hostPort, Frame frame) => SendFrame(hostPort, OutboundFrame.Control(frame));

    void ITransportHandler.OnUndelivered(in OutboundFrame frame, string reason) => OnUndelivered(frame, reason);

    private void OnUndelivered(in OutboundFrame frame, string reason)
    {
        frame.Done();
        if (frame.DeadLetterMessage is null) return;
        System.Log.Debug(Source, $"{frame.DeadLetterMessage.GetType().Name} to {frame.Recipient?.Path} not delivered: {reason}.");
        System.DeadLetters.Deliver(frame.DeadLetterMessage, frame.Sender, frame.Recipient ?? System.DeadLetters);
    }

    void ITransportHandler.OnFrame(MemberAddress peer, DecodedFrame frame)
    {
        var header = frame.Header;
        switch (header.KindCase)
        {
            case Frame.KindOneofCase.Envelope: Remoting.Receive(peer, header.Envelope, frame.Tensor); break;
            case Frame.KindOneofCase.Heartbeat:
                SendControl(peer.HostPort, new Frame { HeartbeatAck = new HeartbeatAck { From = SelfAddress.ToWire(), Sequence = header.Heartbeat.Sequence } });
                break;
            case Frame.KindOneofCase.HeartbeatAck: OnHeartbeatAck(peer); break;
            case Frame.KindOneofCase.Join: OnJoin(peer, header.Join); break;
            case Frame.KindOneofCase.Welcome: OnWelcome(header.Welcome); break;
            case Frame.KindOneofCase.Gossip: OnGossip(peer, header.Gossip); break;
            case Frame.KindOneofCase.Leave: OnLeave(header.Leave); break;
            default: System.Log.Warning(Source, $"Ignored a {header.KindCase} frame from {peer}."); break;
        }
    }

    void ITransportHandler.OnNewIncarnation(MemberAddress previous, MemberAddress current)
    {
        var effects = new List<Action>();
        lock (_gate)
            if (_members.TryGetValue(previous.HostPort, out var old) && old.Address.Uid == previous.Uid)
                Remove(old, $"restarted as uid {current.Uid}", effects);
        Run(effects);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        try { await LeaveAsync().ConfigureAwait(false); }
        catch (Exception e) { System.Log.Warning(Source, $"Leaving the cluster failed: {e.Message}"); }
        await _timer.DisposeAsync().ConfigureAwait(false);
        await _transport.DisposeAsync().ConfigureAwait(false);
        await System.DisposeAsync().ConfigureAwait(false);
    }

    public override string ToString() => $"Cluster member {SelfAddress}";
}
