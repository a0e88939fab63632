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

    public bool Send(ICanTell target, object message, IActorRef sender)
    {
        if (Recipient(target) is not { } actor)
        {
            target.Tell(message, sender); // a wildcard selection has no single recipient to carry it to
            return false;
        }
        Lane.Tell(actor, message, sender);
        return actor is not IActorRefScope { IsLocal: true };
    }

    public bool SendToAll(IReadOnlyList<ICanTell> targets, object message, IActorRef sender)
    {
        var actors = new List<IActorRef>(targets.Count);
        var serialized = true;
        foreach (var target in targets)
        {
            if (Recipient(target) is { } actor)
            {
                actors.Add(actor);
                serialized &= actor is not IActorRefScope { IsLocal: true };
            }
            else
            {
                target.Tell(message, sender);
                serialized = false;
            }
        }
        Lane.TellAll(actors, message, sender);
        return serialized;
    }

    /// <summary>
    /// The one actor a target names: an actor ref, or a selection of one path (a member's /user/gradients), which the
    /// lane carries there and the receiving member resolves, as it does for any recipient; null for a wildcard selection.
    /// </summary>
    private IActorRef? Recipient(ICanTell target) => target switch
    {
        IActorRef actor => actor,
        ActorSelection selection when ConcretePath(selection) is { } path => Lane.OwnerSystem.Provider.ResolveActorRef(path),
        _ => null,
    };

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
