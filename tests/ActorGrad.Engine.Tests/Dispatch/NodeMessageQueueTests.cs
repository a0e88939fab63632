using ActorGrad.Engine.Dispatch;
using Akka.Actor;

namespace ActorGrad.Engine.Tests.Dispatch;

public sealed class NodeMessageQueueTests
{
    private static Envelope Message(int n) => new(n, ActorRefs.NoSender);

    [Fact]
    public void Keeps_order_across_the_first_field_and_the_queue()
    {
        var queue = new NodeMessageQueue();
        var taken = new List<int>();
        // 1 waits in the field, 2 and 3 in the queue; 4 comes while the queue is not yet empty,
        // 5 after it is: each must still come out after the ones before it.
        queue.Enqueue(ActorRefs.Nobody, Message(1));
        queue.Enqueue(ActorRefs.Nobody, Message(2));
        queue.Enqueue(ActorRefs.Nobody, Message(3));
        Take(1);
        queue.Enqueue(ActorRefs.Nobody, Message(4));
        Take(2);
        queue.Enqueue(ActorRefs.Nobody, Message(5));
        Take(2);
        Assert.Equal([1, 2, 3, 4, 5], taken);
        Assert.False(queue.HasMessages);
        Assert.Equal(0, queue.Count);
        Assert.False(queue.TryDequeue(out _));

        void Take(int n)
        {
            for (var i = 0; i < n; i++)
            {
                Assert.True(queue.TryDequeue(out var e));
                taken.Add((int)e.Message);
            }
        }
    }

    [Fact]
    public void Counts_messages_from_many_threads()
    {
        var queue = new NodeMessageQueue();
        const int perThread = 10_000;
        Parallel.For(0, 4, t =>
        {
            for (var i = 0; i < perThread; i++) queue.Enqueue(ActorRefs.Nobody, Message(t * perThread + i));
        });
        Assert.Equal(4 * perThread, queue.Count);
        var seen = new HashSet<int>();
        while (queue.TryDequeue(out var e)) Assert.True(seen.Add((int)e.Message));
        Assert.Equal(4 * perThread, seen.Count);
    }
}
