using ActorGrad.Cluster.Lanes;
using Akka.Actor;

namespace ActorGrad.Cluster.Gradients;

/// <summary>
/// Tensor-carrying messages over the member's <see cref="TensorLane"/>: serialized at the send, carried on the
/// lane's own connection to the peer member (not Akka.Remote's, which heartbeats share), delivered to the actor
/// as an ordinary message. A recipient in this member gets a plain Tell.
/// </summary>
public sealed class LaneTensorSender(TensorLane lane) : ITensorMessageSender
{
    public TensorLane Lane { get; } = lane;

    public void Send(ICanTell target, object message, IActorRef sender)
    {
        switch (target)
        {
            case IActorRef actor:
                Lane.Tell(actor, message, sender);
                break;
            case ActorSelection selection when ConcretePath(selection) is { } path:
                // A selection of one path (a member's /user/gradients) names one actor: the lane carries it there and
                // the receiving member resolves the path, as it does for any recipient.
                Lane.Tell(Lane.OwnerSystem.Provider.ResolveActorRef(path), message, sender);
                break;
            default:
                target.Tell(message, sender); // a wildcard selection has no single recipient to carry it to
                break;
        }
    }

    private static string? ConcretePath(ActorSelection selection)
    {
        var elements = selection.PathString;
        if (elements.Contains('*') || elements.Contains('?') || elements.Contains("..")) return null;
        return selection.Anchor.Path.Address + elements;
    }
}

/// <summary>Which sender a member's gradient actors use: its lane when it has one (every cluster member does), else Akka.Remote.</summary>
public static class TensorSenders
{
    public static ITensorMessageSender For(ActorSystem system) =>
        system.Settings.Setup.Get<TensorLaneSetup>().HasValue
            ? new LaneTensorSender(TensorLane.Get(system))
            : AkkaTensorSender.Instance;
}
