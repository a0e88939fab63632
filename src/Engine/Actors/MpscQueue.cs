namespace ActorGrad.Engine.Actors;

/// <summary>
/// A multi-producer, single-consumer queue kept inline in its owner (a mutable struct: keep it in a
/// non-readonly field and never copy it). Producers push onto a lock-free stack, one allocation and
/// one compare-and-swap each; the consumer takes the whole stack at once and reverses it into its
/// private FIFO list. An empty queue holds no node at all, and a dequeued node is referenced by
/// nothing: most actors of a graph receive a handful of messages in their life, and an idle actor
/// that lives on (or one promoted to an older GC generation) keeps no message nodes reachable.
/// Only the mailbox's runner dequeues.
/// </summary>
internal struct MpscQueue<T>
{
    private sealed class Node(T item, Node? next)
    {
        public T Item = item;
        public Node? Next = next;
    }

    private Node? _incoming; // producers' side: a stack, newest first
    private Node? _outgoing; // consumer's side: the next items in arrival order

    public void Enqueue(T item)
    {
        var expected = Volatile.Read(ref _incoming);
        var node = new Node(item, expected);
        while (true)
        {
            // Compare with a local: once pushed, the node may already be taken and relinked by the consumer.
            var seen = Interlocked.CompareExchange(ref _incoming, node, expected);
            if (seen == expected) return;
            node.Next = expected = seen;
        }
    }

    /// <summary>Single consumer only.</summary>
    public bool TryDequeue(out T item)
    {
        var head = _outgoing;
        if (head is null)
        {
            if (Volatile.Read(ref _incoming) is null)
            {
                item = default!;
                return false;
            }
            // Take everything pushed so far and reverse it: oldest first.
            for (var node = Interlocked.Exchange(ref _incoming, null); node is not null;)
            {
                var next = node.Next;
                node.Next = head;
                head = node;
                node = next;
            }
        }
        _outgoing = head!.Next;
        item = head.Item;
        return true;
    }

    /// <summary>Exact on the consumer's thread; from a producer, a hint that the mailbox re-checks after each run.</summary>
    public readonly bool IsEmpty => _outgoing is null && Volatile.Read(in _incoming) is null;
}
