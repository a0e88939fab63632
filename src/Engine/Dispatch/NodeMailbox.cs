using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Dispatch.MessageQueues;

namespace ActorGrad.Engine.Dispatch;

/// <summary>
/// The mailbox type of node actors (named by <see cref="NodeDispatcher"/>'s config): a
/// <see cref="NodeMessageQueue"/> per actor instead of Akka's default ConcurrentQueue, whose first
/// segment (32 slots, about 800 bytes) every pooled actor would keep for life.
/// </summary>
public sealed class NodeMailbox : MailboxType, IProducesMessageQueue<NodeMessageQueue>
{
    public NodeMailbox(Settings settings, Config config) : base(settings, config) { }

    public override IMessageQueue Create(IActorRef owner, ActorSystem system) => new NodeMessageQueue();
}
