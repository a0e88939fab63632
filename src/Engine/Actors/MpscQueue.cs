namespace ActorGrad.Engine.Actors;

/// <summary>
/// A multi-producer, single-consumer linked queue (after Dmitry Vyukov's): an enqueue is one
/// allocation and one atomic exchange, and an empty queue costs one node. Mailboxes use it because
/// most actors of a graph receive a handful of messages in their life, so a segment-based queue's
/// up-front array would cost more than all their messages. Only the mailbox's runner dequeues.
/// </summary>
internal sealed class MpscQueue<T>
{
    private sealed class Node(T item)
    {
        public T Item = item;
        public Node? Next;
    }

    private Node _head; // consumer side: the last dequeued node (a stub at first)
    private Node _tail; // producer side

    public MpscQueue()
    {
        _head = _tail = new Node(default!);
    }

    public void Enqueue(T item)
    {
        var node = new Node(item);
        var previous = Interlocked.Exchange(ref _tail, node);
        // Until this write the consumer sees the queue end at `previous`; the producer then schedules
        // the mailbox, so a message linked after the consumer looked is never stranded.
        Volatile.Write(ref previous.Next, node);
    }

    /// <summary>Single consumer only.</summary>
    public bool TryDequeue(out T item)
    {
        var next = Volatile.Read(ref _head.Next);
        if (next is null)
        {
            item = default!;
            return false;
        }
        _head = next;
        item = next.Item;
        next.Item = default!; // the node stays as the new stub; do not keep the message alive
        return true;
    }

    public bool IsEmpty => Volatile.Read(ref _head.Next) is null;
}
