using System.Threading.Channels;

namespace ActorGrad.Engine.Cluster;

/// <summary>
/// Everything this member has to say to one peer address: an ordered queue (bounded in bytes, so
/// senders feel back-pressure instead of growing it without limit), the one live connection that
/// drains it, and the incarnation (uid) at the other end.
/// </summary>
internal sealed class Association(string hostPort, long maxQueuedBytes)
{
    private readonly Channel<OutboundFrame> _queue = Channel.CreateUnbounded<OutboundFrame>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });
    private readonly SemaphoreSlim _roomFreed = new(0, int.MaxValue);
    private long _queuedBytes;
    private int _waiters;

    public string HostPort { get; } = hostPort;
    public Lock Gate { get; } = new();
    public Connection? Active { get; set; }
    public bool Dialing { get; set; }
    /// <summary>The incarnation last authenticated at this address.</summary>
    public MemberAddress? Peer { get; set; }
    /// <summary>After a failed dial, sends go to dead letters until then instead of dialing again at once.</summary>
    public long RetryAfterMs { get; set; }
    /// <summary>Handshakes this peer refused since the last one that succeeded (each doubles the pause before the next dial).</summary>
    public int RefusedInARow { get; set; }

    public ChannelReader<OutboundFrame> Reader => _queue.Reader;
    public long QueuedBytes => Interlocked.Read(ref _queuedBytes);
    public bool IsEmpty => Reader.Count == 0;
    /// <summary>Frames taken off the queue and written to the connection's pipe but not yet flushed to the socket.</summary>
    public int Unflushed;
    /// <summary>Nothing queued and nothing waiting in the pipe: what was sent has reached the socket.</summary>
    public bool IsDrained => IsEmpty && Volatile.Read(ref Unflushed) == 0;

    /// <summary>Queues a frame, waiting up to <paramref name="timeout"/> for room; false when there was none.</summary>
    public bool TryEnqueue(in OutboundFrame frame, TimeSpan timeout)
    {
        if (Interlocked.Read(ref _queuedBytes) + frame.Bytes > maxQueuedBytes && Interlocked.Read(ref _queuedBytes) > 0)
        {
            var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
            Interlocked.Increment(ref _waiters);
            try
            {
                while (Interlocked.Read(ref _queuedBytes) + frame.Bytes > maxQueuedBytes && Interlocked.Read(ref _queuedBytes) > 0)
                {
                    var left = deadline - Environment.TickCount64;
                    if (left <= 0) return false;
                    _roomFreed.Wait(TimeSpan.FromMilliseconds(Math.Min(left, 100)));
                }
            }
            finally { Interlocked.Decrement(ref _waiters); }
        }
        Interlocked.Add(ref _queuedBytes, frame.Bytes);
        _queue.Writer.TryWrite(frame);
        return true;
    }

    /// <summary>The writer took a frame off the queue: its bytes no longer count.</summary>
    public void Dequeued(in OutboundFrame frame)
    {
        Interlocked.Add(ref _queuedBytes, -frame.Bytes);
        if (Volatile.Read(ref _waiters) > 0) _roomFreed.Release();
    }

    /// <summary>Empties the queue (the peer is gone or unreachable), returning what was in it.</summary>
    public List<OutboundFrame> Drain()
    {
        var dropped = new List<OutboundFrame>();
        while (_queue.Reader.TryRead(out var f))
        {
            Dequeued(f);
            dropped.Add(f);
        }
        return dropped;
    }
}
