using ActorGrad.Engine.Actors;

namespace ActorGrad.Engine.Cluster;

/// <summary>
/// An actor on another member, behind the same IActorRef as a local one. A user message is serialized
/// on the sender's thread (so a message that cannot travel fails at the Tell) and queued to the
/// member's connection; Watch and Unwatch become DeathWatch envelopes.
/// </summary>
internal sealed class RemoteActorRef(Cluster cluster, ActorPath path) : InternalActorRef
{
    public override ActorPath Path { get; } = path;
    /// <summary>The member's host:port, the key of its connection (made once, not per message).</summary>
    public string HostPort { get; } = Remoting.HostPort(path.Address);
    public override bool IsTerminated => cluster.IsAddressTerminated(HostPort);

    public override void SendUserMessage(object message, IActorRef? sender) => cluster.Remoting.SendUser(this, message, sender);

    public override void SendSystemMessage(SystemMessage message) => cluster.Remoting.SendSystem(this, message);
}

/// <summary>A local path with no live actor: everything sent to it is a dead letter.</summary>
internal sealed class MissingActorRef(ActorSystem system, ActorPath path) : InternalActorRef
{
    public override ActorPath Path { get; } = path;
    public override bool IsTerminated => true;
    public override void SendUserMessage(object message, IActorRef? sender) => system.DeadLetters.Deliver(message, sender, this);

    public override void SendSystemMessage(SystemMessage message)
    {
        if (message is Watch w) w.Watcher.SendSystemMessage(new DeathWatchNotification(this, false, false));
    }
}
