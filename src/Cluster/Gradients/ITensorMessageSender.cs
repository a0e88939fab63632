using Akka.Actor;

namespace ActorGrad.Cluster.Gradients;

/// <summary>
/// The one seam through which the gradient service sends a message that carries tensors (parameters, shard data,
/// gradients) to another actor. Today it is an ordinary Akka Tell over Akka.Remote (<see cref="AkkaTensorSender"/>);
/// the tensor data path beside Akka.Remote (src/Cluster/Lanes) plugs in here without the actors changing.
/// </summary>
public interface ITensorMessageSender
{
    /// <summary>
    /// Delivers <paramref name="message"/> to <paramref name="target"/> as if told by <paramref name="sender"/>. True when
    /// the message was serialized before this returned (the lane to another member): the tensors it carries are no
    /// longer read, and the caller may dispose those it owns. False when the message object itself travels on (a local
    /// recipient gets it as it is; Akka.Remote serializes it later): its tensors must then stay as they are, and are the GC's.
    /// </summary>
    bool Send(ICanTell target, object message, IActorRef sender);

    /// <summary>
    /// The same <paramref name="message"/> to every target (a sender that serializes encodes it once); true when every
    /// copy was serialized before this returned, as <see cref="Send"/>.
    /// </summary>
    bool SendToAll(IReadOnlyList<ICanTell> targets, object message, IActorRef sender)
    {
        var serialized = true;
        foreach (var target in targets) serialized &= Send(target, message, sender);
        return serialized;
    }
}

/// <summary>Tensor-carrying messages as ordinary Akka messages (Akka.Remote frames; raise MaximumFrameSize for big tensors).</summary>
public sealed class AkkaTensorSender : ITensorMessageSender
{
    public static readonly AkkaTensorSender Instance = new();

    public bool Send(ICanTell target, object message, IActorRef sender)
    {
        target.Tell(message, sender);
        return false; // Akka.Remote serializes on its own schedule, after this returns
    }
}
