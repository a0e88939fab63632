using System.Collections.Concurrent;
using ActorGrad.Engine.Dispatch;
using ActorGrad.Nodes.Graph;
using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Dispatch.MessageQueues;

namespace ActorGrad.Nodes.Tests.Differentiation;

/// <summary>
/// Node actors' mailbox with a tally of what is enqueued, by message type (a ToNode by the message it
/// carries): for counting the messages of a computation. Only in a system that names it (<see cref="SystemConfig"/>):
/// the engine's own mailbox counts nothing, so normal runs pay nothing for this.
/// </summary>
public sealed class CountingNodeMailbox(Akka.Actor.Settings settings, Config config) : MailboxType(settings, config), IProducesMessageQueue<CountingNodeMailbox.Queue>
{
    private static readonly ConcurrentDictionary<string, long> Tally = new();

    /// <summary>The node dispatcher with this mailbox, for ActorSystem.Create.</summary>
    public static Config SystemConfig { get; } = ConfigurationFactory.ParseString($$"""
        akka.loglevel = OFF
        akka.stdout-loglevel = OFF
        {{NodeDispatcher.Id}} {
          type = "{{typeof(CallingThreadDispatcherConfigurator).AssemblyQualifiedName}}"
          mailbox-type = "{{typeof(CountingNodeMailbox).AssemblyQualifiedName}}"
        }
        """);

    public override IMessageQueue Create(IActorRef owner, ActorSystem system) => new Queue();

    /// <summary>The counts so far, and zeroes them.</summary>
    public static Dictionary<string, long> TakeCounts()
    {
        var counts = new Dictionary<string, long>();
        foreach (var key in Tally.Keys)
            if (Tally.TryRemove(key, out var n)) counts[key] = n;
        return counts;
    }

    public sealed class Queue : IMessageQueue, IUnboundedMessageQueueSemantics
    {
        private readonly NodeMessageQueue _inner = new();
        public bool HasMessages => _inner.HasMessages;
        public int Count => _inner.Count;

        public void Enqueue(IActorRef receiver, Envelope envelope)
        {
            var message = envelope.Message is ToNode addressed ? addressed.Message : envelope.Message;
            // A node taken from the pool: the NodeBehavior is the message (OpNode, LeafNode).
            Tally.AddOrUpdate(message.GetType().Name, 1, (_, n) => n + 1);
            _inner.Enqueue(receiver, envelope);
        }

        public bool TryDequeue(out Envelope envelope) => _inner.TryDequeue(out envelope);
        public void CleanUp(IActorRef owner, IMessageQueue deadletters) => _inner.CleanUp(owner, deadletters);
    }
}
