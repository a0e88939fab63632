using System.Collections.Concurrent;
using ActorGrad.Cluster.Metrics;
using ActorGrad.Protocol.Serialization;
using Akka.Actor;
using Akka.Event;

namespace ActorGrad.Cluster.Lanes;

/// <summary>
/// The receiving end: turns a frame back into the message Akka's serialization made, resolves its recipient
/// and sender (ActorRefProvider.ResolveActorRef, as Akka.Remote does) and Tells the recipient locally. A
/// recipient that does not exist resolves to a ref whose Tell publishes a DeadLetter; a message that does not
/// deserialize is logged and dropped. Neither touches the connection.
/// </summary>
internal sealed class LaneDelivery
{
    private const int MaxCachedRefs = 4096;
    private readonly ConcurrentDictionary<string, IActorRef> _refs = new(StringComparer.Ordinal);
    private readonly ExtendedActorSystem _system;
    private readonly ILoggingAdapter _log;

    /// <summary>
    /// Serializers that decode from memory and keep none of it (<see cref="IBufferSerializer"/>, listed in
    /// <see cref="TensorLaneSettings.CopyingSerializerIds"/>), by id: they decode straight from the shared ring. Akka has
    /// no public lookup by id, so they are found through the types bound to ActorGrad's serialization.
    /// </summary>
    private readonly Dictionary<int, IBufferSerializer> _memoryDecoders = new();

    public LaneDelivery(ExtendedActorSystem system, ILoggingAdapter log, IReadOnlySet<int> copyingSerializerIds)
    {
        _system = system;
        _log = log;
        foreach (var type in WireSerialization.BoundTypes)
            if (system.Serialization.FindSerializerForType(type) is IBufferSerializer decoder and Akka.Serialization.Serializer s
                && copyingSerializerIds.Contains(s.Identifier))
                _memoryDecoders[s.Identifier] = decoder;
    }

    /// <summary>Whether a payload of this serializer can be decoded from the ring's bytes as they lie.</summary>
    public bool DecodesFromMemory(int serializerId) => _memoryDecoders.ContainsKey(serializerId);

    /// <summary>Delivers a frame whose payload is an array (read from the socket, or copied out of the ring).</summary>
    public void Deliver(LaneFrame frame, string peer)
    {
        var read = StepTimeline.Enabled ? System.Diagnostics.Stopwatch.GetTimestamp() : 0; // when the frame was read, for the diagnostic only
        object message;
        try
        {
            message = _system.Serialization.Deserialize(frame.Payload, frame.SerializerId, frame.Manifest);
        }
        catch (Exception e)
        {
            DecodeFailed(e, peer, frame.Recipient, frame.SerializerId, frame.Manifest, frame.PayloadLength);
            return;
        }
        Tell(message, frame.Recipient, frame.Sender, peer, read);
    }

    /// <summary>
    /// Delivers a message decoded straight from <paramref name="payload"/> (bytes in the shared ring) by a serializer for
    /// which <see cref="DecodesFromMemory"/> holds; the decoder keeps nothing of them, so the ring space is free after.
    /// </summary>
    public void Deliver(string recipient, string sender, int serializerId, string manifest, ReadOnlyMemory<byte> payload, string peer)
    {
        var read = StepTimeline.Enabled ? System.Diagnostics.Stopwatch.GetTimestamp() : 0; // when the frame was read, for the diagnostic only
        object message;
        try
        {
            message = _memoryDecoders[serializerId].ReadBinary(payload, manifest);
        }
        catch (Exception e)
        {
            DecodeFailed(e, peer, recipient, serializerId, manifest, payload.Length);
            return;
        }
        Tell(message, recipient, sender, peer, read);
    }

    private void DecodeFailed(Exception e, string peer, string recipient, int serializerId, string manifest, int bytes) =>
        _log.Error(e, "Tensor lane: a message from {0} for {1} did not deserialize (serializer {2}, manifest '{3}', {4} bytes); dropped.",
            peer, recipient, serializerId, manifest, bytes);

    private void Tell(object message, string recipientPath, string senderPath, string peer, long read)
    {
        if (StepTimeline.Enabled)
        {
            StepTimeline.RecordMessage(message, "read", timestamp: read);
            StepTimeline.RecordMessage(message, "decoded");
        }
        var sender = senderPath.Length == 0 ? ActorRefs.NoSender : Resolve(senderPath);
        var recipient = Resolve(recipientPath);
        if (recipient is not IActorRefScope { IsLocal: true })
        {
            // Not ours: forwarding would send a tensor through Akka.Remote, the path the lane exists to avoid.
            _log.Warning("Tensor lane: a message from {0} is for {1}, which is not on this member; sent to dead letters.", peer, recipientPath);
            _system.DeadLetters.Tell(new DeadLetter(message, sender ?? ActorRefs.NoSender, recipient), sender);
            return;
        }
        recipient.Tell(message, sender);
    }

    /// <summary>
    /// Caches live local actors and remote refs only (paths carry the actor's uid, so a cached ref never stands
    /// for a later actor of the same name); a path that resolved to nothing is looked up again next time.
    /// </summary>
    private IActorRef Resolve(string path)
    {
        if (_refs.TryGetValue(path, out var cached)) return cached;
        var resolved = _system.Provider.ResolveActorRef(path);
        if (resolved is ActorRefWithCell or IActorRefScope { IsLocal: false })
        {
            if (_refs.Count >= MaxCachedRefs) _refs.Clear();
            _refs[path] = resolved;
        }
        return resolved;
    }
}
