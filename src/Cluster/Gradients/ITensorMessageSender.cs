using Akka.Actor;

namespace ActorGrad.Cluster.Gradients;

/// <summary>
/// The one seam through which the gradient service sends a message that carries tensors (parameters, shard data,
/// gradients) to another actor. Today it is an ordinary Akka Tell over Akka.Remote (<see cref="AkkaTensorSender"/>);
/// the tensor data path beside Akka.Remote (src/Cluster/Lanes) plugs in here without the actors changing.
/// </summary>
public interface ITensorMessageSender
{
    /// <summary>Delivers <paramref name="message"/> to <paramref name="target"/> as if told by <paramref name="sender"/>.</summary>
    void Send(ICanTell target, object message, IActorRef sender);
}

/// <summary>Tensor-carrying messages as ordinary Akka messages (Akka.Remote frames; raise MaximumFrameSize for big tensors).</summary>
public sealed class AkkaTensorSender : ITensorMessageSender
{
    public static readonly AkkaTensorSender Instance = new();

    public void Send(ICanTell target, object message, IActorRef sender) => target.Tell(message, sender);
}
