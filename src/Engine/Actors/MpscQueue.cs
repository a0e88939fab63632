namespace ActorGrad.Engine.Actors;

/// <summary>
/// A multi-producer, single-consumer queue kept inline in its owner (a mutable struct: keep it in a
/// non-readonly field and never copy it). Producers push onto a lock-free stack, one allocation and
/// one compare-and-swap each; the consumer takes the whole stack at once and reverses it into its
/// private FIFO list. An empty queue holds no node at all, and a dequeued node is referenced by
/// nothing but its thread's pool of free nodes (which holds no item): most actors of a graph receive a handful of messages in their life, and an idle actor
/// that lives on (or one promoted to an older GC generation) keeps no message nodes reachable.
/// Only the mailbox's runner dequeues.
/// </summary>
internal struct MpscQueue<T>
{
    private sealed class Node
    {
        public T Item = default!;
        public Node? Next;
    }

    // Dequeued nodes, kept per thread for the next Enqueue on that thread (on the calling-thread
    // dispatcher producer and consumer are the same thread). A pooled node holds no item and no link.
    // Reuse is safe: a producer only compares the head's identity and never reads through it, and a
    // dequeued node is reachable from nothing but the pool.
    private sealed class Pool
    {
        public Node? Head;
        public int Count;
    }

    // One thread-static object: each thread-static access is a TLS lookup, its fields are plain memory.
    [ThreadStatic] private static Pool? _pool;
    private const int PoolLimit = 256;

    private static Node Rent()
    {
        var pool = _pool;
        var node = pool?.Head;
        if (node is null) return new Node();
        pool!.Head = node.Next;
        pool.Count--;
        node.Next = null;
        return node;
    }

    private static void Return(Node node)
    {
        node.Item = default!;
        node.Next = null;
        var pool = _pool ??= new Pool();
        if (pool.Count >= PoolLimit) return;
        node.Next = pool.Head;
        pool.Head = node;
        pool.Count++;
    }

    private Node? _incoming; // producers' side: a stack, newest first
    private Node? _outgoing; // consumer's side: the next items in arrival order

    public void Enqueue(T item)
    {
        var expected = Volatile.Read(ref _incoming);
        var node = Rent();
        node.Item = item;
        node.Next = expected;
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
        Return(head);
        return true;
    }

    /// <summary>Exact on the consumer's thread; from a producer, a hint that the mailbox re-checks after each run.</summary>
    public readonly bool IsEmpty => _outgoing is null && Volatile.Read(in _incoming) is null;
}
