using Akka.Actor;
using Akka.Dispatch;
using Akka.Dispatch.MessageQueues;

namespace ActorGrad.Engine.Dispatch;

/// <summary>
/// An unbounded message queue for node actors, which mostly hold no message or one: the first
/// message waits in a field, a queue is made only when more wait at once. Any thread may enqueue
/// (a finalizer, another session's thread); the mailbox lets one thread dequeue at a time.
/// </summary>
/// <remarks>
/// Small on purpose: pooled node actors live in the oldest generation, and every message written
/// into their queue marks the queue's memory for the next collection to scan. One field and a
/// small array keep that to a card or two, where a ConcurrentQueue segment walks its slots over
/// hundreds of bytes.
/// </remarks>
public sealed class NodeMessageQueue : IMessageQueue, IUnboundedMessageQueueSemantics
{
    // Guarded by this object's monitor (thin lock: no allocation). _count is also read without it.
    private Envelope _first;
    private bool _hasFirst;
    private Queue<Envelope>? _more;
    private volatile int _count;

    public bool HasMessages => _count > 0;

    public int Count => _count;

    public void Enqueue(IActorRef receiver, Envelope envelope)
    {
        lock (this)
        {
            if (!_hasFirst && _more is not { Count: > 0 })
            {
                _first = envelope;
                _hasFirst = true;
            }
            else (_more ??= new Queue<Envelope>(4)).Enqueue(envelope);
            _count++;
        }
    }

    public bool TryDequeue(out Envelope envelope)
    {
        if (_count == 0)
        {
            envelope = default;
            return false;
        }
        lock (this)
        {
            if (_hasFirst)
            {
                envelope = _first;
                _first = default; // let the message go: the actor outlives it
                _hasFirst = false;
            }
            else if (_more is not null && _more.TryDequeue(out envelope)) { }
            else
            {
                envelope = default;
                return false;
            }
            _count--;
            return true;
        }
    }

    public void CleanUp(IActorRef owner, IMessageQueue deadletters)
    {
        while (TryDequeue(out var envelope)) deadletters.Enqueue(owner, envelope);
    }
}
