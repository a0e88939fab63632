using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Event;

namespace ActorGrad.Cluster.Lanes;

/// <summary>
/// The receiving end: turns a frame back into the message Akka's serialization made, resolves its recipient
/// and sender (ActorRefProvider.ResolveActorRef, as Akka.Remote does) and Tells the recipient locally. A
/// recipient that does not exist resolves to a ref whose Tell publishes a DeadLetter; a message that does not
/// deserialize is logged and dropped. Neither touches the connection.
/// </summary>
internal sealed class LaneDelivery(ExtendedActorSystem system, ILoggingAdapter log)
{
    private const int MaxCachedRefs = 4096;
    private readonly ConcurrentDictionary<string, IActorRef> _refs = new(StringComparer.Ordinal);

    public void Deliver(LaneFrame frame, string peer)
    {
        object message;
        try
        {
            message = system.Serialization.Deserialize(frame.Payload, frame.SerializerId, frame.Manifest);
        }
        catch (Exception e)
        {
            log.Error(e, "Tensor lane: a message from {0} for {1} did not deserialize (serializer {2}, manifest '{3}', {4} bytes); dropped.",
                peer, frame.Recipient, frame.SerializerId, frame.Manifest, frame.Payload.Length);
            return;
        }
        var sender = frame.Sender.Length == 0 ? ActorRefs.NoSender : Resolve(frame.Sender);
        var recipient = Resolve(frame.Recipient);
        if (recipient is not IActorRefScope { IsLocal: true })
        {
            // Not ours: forwarding would send a tensor through Akka.Remote, the path the lane exists to avoid.
            log.Warning("Tensor lane: a message from {0} is for {1}, which is not on this member; sent to dead letters.", peer, frame.Recipient);
            system.DeadLetters.Tell(new DeadLetter(message, sender ?? ActorRefs.NoSender, recipient), sender);
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
        var resolved = system.Provider.ResolveActorRef(path);
        if (resolved is ActorRefWithCell or IActorRefScope { IsLocal: false })
        {
            if (_refs.Count >= MaxCachedRefs) _refs.Clear();
            _refs[path] = resolved;
        }
        return resolved;
    }
}
