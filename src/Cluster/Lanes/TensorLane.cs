using System.Collections.Concurrent;
using ActorGrad.Cluster.Metrics;
using ActorGrad.Protocol.Serialization;
using Akka.Actor;
using Akka.Configuration;
using Akka.Event;

namespace ActorGrad.Cluster.Lanes;

/// <summary>
/// The tensor data path beside Akka.Remote, one per member (an Akka extension: <c>TensorLane.Get(system)</c>).
/// Akka.Remote keeps membership, heartbeats, routing and small messages; large messages (tensors, gradients)
/// go through <see cref="Tell"/> instead of <c>IActorRef.Tell</c>: serialized with Akka's serialization, carried
/// with their recipient and sender paths over one connection per peer of its own (mutual TLS with the cluster
/// CA; see <see cref="LaneWire"/> for the bytes and BENCHMARKS.md for why not gRPC), and Told to the recipient
/// on the receiving member with the resolved sender. Heartbeats never queue behind a tensor, because they are
/// not on this connection.
/// </summary>
public sealed class TensorLane : IExtension
{
    private readonly ExtendedActorSystem _system;
    private readonly TensorLaneSettings _settings;
    private readonly ILoggingAdapter _log;
    private readonly LaneListener _listener;
    private readonly ConcurrentDictionary<Address, LanePeer> _peers = new();
    private readonly ConcurrentDictionary<Address, int> _ports = new();
    private readonly IActorRef _endpoint;
    private readonly LaneTraffic _traffic = new();
    private int _stopped;

    public TensorLane(ExtendedActorSystem system)
    {
        _system = system;
        var setup = system.Settings.Setup.Get<TensorLaneSetup>();
        if (!setup.HasValue)
            throw new ConfigurationException("TensorLane needs a TensorLaneSetup in the actor system's setup (its certificates and port); none was given.");
        _settings = setup.Value.Settings;
        _settings.Validate();
        _log = Logging.GetLogger(system, typeof(TensorLane));
        SelfAddress = system.Provider.DefaultAddress;
        var host = _settings.Hostname ?? SelfAddress.Host
            ?? throw new ConfigurationException("TensorLane: the actor system has no remote address; the lane runs beside Akka.Remote.");
        if (_settings.SharedMemory && LaneHost.Current is not null && SharedRing.SweepStale() is var swept and > 0)
            _log.Info("Tensor lane: removed {0} shared-memory ring file(s) of processes that died in a lane handshake.", swept);
        _listener = new LaneListener(LaneSockets.Resolve(host), _settings, new LaneDelivery(system, _log, _settings.CopyingSerializerIds), _log, _traffic);
        _endpoint = system.SystemActorOf(LaneEndpointActor.Props(this, _listener.Port), LaneEndpointActor.Name);
        CoordinatedShutdown.Get(system).AddTask("before-actor-system-terminate", "stop-tensor-lane", async () =>
        {
            await StopAsync().ConfigureAwait(false);
            return Akka.Done.Instance;
        });
        system.RegisterOnTermination(() => StopAsync().AsTask().Wait(TimeSpan.FromSeconds(10)));
        _log.Info("Tensor lane: listening on {0}:{1} ({2}).", host, _listener.Port, _settings.UsesTls ? "mutual TLS" : "plaintext");
    }

    public static TensorLane Get(ActorSystem system) => system.WithExtension<TensorLane, TensorLaneProvider>();

    /// <summary>The port this member's lane listens on.</summary>
    public int Port => _listener.Port;

    /// <summary>The system this lane belongs to.</summary>
    public ExtendedActorSystem OwnerSystem => _system;

    /// <summary>The largest serialized message the lane carries (a larger one is refused at the send).</summary>
    public int MaxMessageBytes => _settings.MaxMessageBytes;

    public Address SelfAddress { get; }

    /// <summary>Bytes this member's lane wrote to its peers since it started (frame prefixes, headers and payloads; TLS records not counted).</summary>
    public long BytesSent => _traffic.BytesSent;

    /// <summary>Of <see cref="BytesSent"/>, the payload bytes that went to peers on this host through shared memory instead of a socket.</summary>
    public long SharedMemoryBytesSent => _traffic.RingBytesSent;

    /// <summary>Messages this member's lane wrote to its peers (local recipients never use the lane and are not counted).</summary>
    public long MessagesSent => _traffic.MessagesSent;

    /// <summary>Bytes this member's lane read from its peers, counted as <see cref="BytesSent"/> is.</summary>
    public long BytesReceived => _traffic.BytesReceived;

    /// <summary>Messages this member's lane read from its peers.</summary>
    public long MessagesReceived => _traffic.MessagesReceived;

    internal LaneTraffic Traffic => _traffic;

    /// <summary>
    /// Sends <paramref name="message"/> to <paramref name="recipient"/> as <paramref name="sender"/>: a plain Tell if
    /// the recipient is local, otherwise over the lane. Blocks while the peer's queue is full (bounded memory);
    /// actors that must not block use <see cref="SendAsync"/>. A message that cannot go (peer gone, connection
    /// broken) is logged and goes to dead letters; it never throws for that.
    /// </summary>
    public void Tell(IActorRef recipient, object message, IActorRef? sender = null)
    {
        var queued = SendAsync(recipient, message, sender);
        if (!queued.IsCompleted) queued.GetAwaiter().GetResult();
    }

    /// <summary>
    /// Sends the same <paramref name="message"/> to every one of <paramref name="recipients"/>: a plain Tell to local
    /// ones; for the others it is serialized once and the one payload is written to each peer's connection (a job's
    /// parameters to every member: one encode, not one per member). Blocks and dead-letters as <see cref="Tell"/> does.
    /// </summary>
    public void TellAll(IReadOnlyList<IActorRef> recipients, object message, IActorRef? sender = null)
    {
        ArgumentNullException.ThrowIfNull(recipients);
        ArgumentNullException.ThrowIfNull(message);
        var from = sender ?? ActorRefs.NoSender ?? _system.DeadLetters;
        var remote = new List<IActorRef>(recipients.Count);
        foreach (var recipient in recipients)
        {
            ArgumentNullException.ThrowIfNull(recipient, nameof(recipients));
            if (recipient is IActorRefScope { IsLocal: true }) recipient.Tell(message, from);
            else remote.Add(recipient);
        }
        if (remote.Count == 0) return;
        var payload = SerializePayload(message, remote.Count);
        var queued = new List<Task>(remote.Count);
        foreach (var recipient in remote) queued.Add(Enqueue(recipient, message, from, payload, default));
        foreach (var q in queued)
            if (!q.IsCompleted) q.GetAwaiter().GetResult();
    }

    /// <summary>Like <see cref="Tell"/>; completes when the message is in the peer's queue (not when it arrived).</summary>
    public Task SendAsync(IActorRef recipient, object message, IActorRef? sender = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        ArgumentNullException.ThrowIfNull(message);
        var from = sender ?? ActorRefs.NoSender ?? _system.DeadLetters;
        if (recipient is IActorRefScope { IsLocal: true })
        {
            recipient.Tell(message, from);
            return Task.CompletedTask;
        }
        return Enqueue(recipient, message, from, SerializePayload(message, holders: 1), cancel);
    }

    private Task Enqueue(IActorRef recipient, object message, IActorRef from, SerializedPayload payload, CancellationToken cancel)
    {
        var senderPath = ReferenceEquals(from, ActorRefs.NoSender) || from is DeadLetterActorRef
            ? ""
            : Akka.Serialization.Serialization.SerializedActorPath(from);
        var frame = new LaneFrame(Akka.Serialization.Serialization.SerializedActorPath(recipient), senderPath, payload.SerializerId, payload.Manifest, payload.Bytes)
        {
            PayloadLength = payload.Length,
            Lease = payload.Lease,
        };
        var outgoing = new Outgoing(frame, message, from, recipient);
        if (Volatile.Read(ref _stopped) != 0)
        {
            DeadLetter(outgoing, "the lane has stopped");
            return Task.CompletedTask;
        }
        var peer = _peers.GetOrAdd(recipient.Path.Address, a => new LanePeer(this, a, _settings, _log));
        return Queued(peer.Queue.EnqueueAsync(outgoing, cancel), outgoing);
    }

    private async Task Queued(Task enqueue, Outgoing outgoing)
    {
        try { await enqueue.ConfigureAwait(false); }
        catch (InvalidOperationException e) { DeadLetter(outgoing, e.Message); }
    }

    /// <summary>A message's bytes as Akka's serialization makes them, for <paramref name="holders"/> frames.</summary>
    private readonly record struct SerializedPayload(int SerializerId, string Manifest, byte[] Bytes, int Length, RentedPayload? Lease);

    /// <summary>
    /// Serializes <paramref name="message"/>: into an array rented for <paramref name="holders"/> frames when its
    /// serializer writes into buffers (<see cref="IBufferSerializer"/>), else into the serializer's own array.
    /// </summary>
    private SerializedPayload SerializePayload(object message, int holders)
    {
        var serializer = _system.Serialization.FindSerializerFor(message);
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);
        if (serializer is IBufferSerializer buffered)
        {
            var size = buffered.BinarySize(message);
            CheckSize(message, size);
            var rented = System.Buffers.ArrayPool<byte>.Shared.Rent(size);
            try
            {
                Akka.Serialization.Serialization.WithTransport(_system, () =>
                {
                    buffered.WriteBinary(message, rented.AsMemory(0, size));
                    return true;
                });
            }
            catch
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(rented);
                throw;
            }
            if (StepTimeline.Enabled) StepTimeline.RecordMessage(message, "encoded");
            return new SerializedPayload(serializer.Identifier, manifest, rented, size, new RentedPayload(rented, holders, System.Buffers.ArrayPool<byte>.Shared));
        }
        var bytes = Akka.Serialization.Serialization.WithTransport(_system, () => serializer.ToBinary(message));
        CheckSize(message, bytes.Length);
        return new SerializedPayload(serializer.Identifier, manifest, bytes, bytes.Length, null);
    }

    private void CheckSize(object message, int size)
    {
        if (size > _settings.MaxMessageBytes)
            throw new ArgumentException($"A {message.GetType().Name} serializes to {size} bytes; the tensor lane carries at most {_settings.MaxMessageBytes}.", nameof(message));
    }

    /// <summary>The lane port of the member at <paramref name="address"/>, asked of its /system/tensor-lane once.</summary>
    internal async Task<int> PortOfAsync(Address address, TimeSpan timeout, CancellationToken cancel)
    {
        if (_ports.TryGetValue(address, out var port)) return port;
        var endpoint = _system.ActorSelection(new RootActorPath(address) / "system" / LaneEndpointActor.Name);
        port = await endpoint.Ask<int>(LaneEndpointActor.PortQuery, timeout, cancel).ConfigureAwait(false);
        _ports[address] = port;
        return port;
    }

    /// <summary>A member left the cluster: its sending end closes and what waited for it goes to dead letters.</summary>
    internal void PeerRemoved(Address address)
    {
        _ports.TryRemove(address, out _);
        if (_peers.TryRemove(address, out var peer))
        {
            _log.Info("Tensor lane: {0} left the cluster; closing the lane to it.", address);
            _ = peer.DisposeAsync().AsTask();
        }
    }

    internal void DeadLetter(Outgoing lost, string why)
    {
        _log.Warning("Tensor lane: a {0} for {1} was not delivered: {2}.", lost.Message.GetType().Name, lost.Recipient.Path, why);
        _system.EventStream.Publish(new DeadLetter(lost.Message, lost.Sender, lost.Recipient));
    }

    private async ValueTask StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0) return;
        _system.Stop(_endpoint);
        foreach (var address in _peers.Keys)
            if (_peers.TryRemove(address, out var peer))
                await peer.DisposeAsync().ConfigureAwait(false);
        await _listener.DisposeAsync().ConfigureAwait(false);
    }
}

public sealed class TensorLaneProvider : ExtensionIdProvider<TensorLane>
{
    public override TensorLane CreateExtension(ExtendedActorSystem system) => new(system);
}
