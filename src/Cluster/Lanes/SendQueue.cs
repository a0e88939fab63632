using System.Threading.Channels;
using Akka.Actor;

namespace ActorGrad.Cluster.Lanes;

/// <summary>A frame on its way, with what it was made from: if it cannot go, the original goes to dead letters.</summary>
internal sealed record Outgoing(LaneFrame Frame, object Message, IActorRef Sender, IActorRef Recipient)
{
    public long Size => Frame.Size;
}

/// <summary>
/// The frames waiting for one peer, bounded by their bytes: a frame is admitted while the queued bytes stay
/// within the limit (or the queue is empty, so one oversized frame still goes alone); otherwise its sender
/// waits, first come first admitted, so frames leave in the order they were offered. Bytes are given back
/// when the writer has put the frame on the connection (<see cref="Sent"/>), not when it is dequeued.
/// </summary>
internal sealed class SendQueue(long maxBytes)
{
    private readonly object _gate = new();
    private readonly Channel<Outgoing> _admitted = Channel.CreateUnbounded<Outgoing>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Queue<(Outgoing Frame, TaskCompletionSource Admitted)> _waiting = new();
    private long _bytes;
    private bool _closed;

    public ChannelReader<Outgoing> Reader => _admitted.Reader;

    public long QueuedBytes { get { lock (_gate) return _bytes; } }

    /// <summary>Completes when the frame is admitted; fails if the queue closed first.</summary>
    public Task EnqueueAsync(Outgoing frame, CancellationToken cancel)
    {
        lock (_gate)
        {
            if (_closed) return Task.FromException(new InvalidOperationException("The lane to this peer is closed."));
            while (_waiting.TryPeek(out var head) && head.Admitted.Task.IsCanceled) _waiting.Dequeue();
            if (_waiting.Count == 0 && Fits(frame.Size))
            {
                Admit(frame);
                return Task.CompletedTask;
            }
            var admitted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting.Enqueue((frame, admitted));
            if (cancel.CanBeCanceled)
                cancel.Register(() => admitted.TrySetCanceled(cancel));
            return admitted.Task;
        }
    }

    /// <summary>The writer has put <paramref name="frame"/> on the wire (or given up on it): its bytes are free.</summary>
    public void Sent(Outgoing frame)
    {
        frame.Frame.Lease?.Release();
        lock (_gate)
        {
            _bytes -= frame.Size;
            while (_waiting.TryPeek(out var next))
            {
                if (next.Admitted.Task.IsCanceled) { _waiting.Dequeue(); continue; }
                if (!Fits(next.Frame.Size)) break;
                _waiting.Dequeue();
                Admit(next.Frame);
                next.Admitted.TrySetResult();
            }
        }
    }

    /// <summary>Stops the queue; returns what was queued or waiting, for dead letters.</summary>
    public List<Outgoing> Close()
    {
        lock (_gate)
        {
            _closed = true;
            _admitted.Writer.TryComplete();
            var left = new List<Outgoing>();
            while (_admitted.Reader.TryRead(out var f)) left.Add(f);
            foreach (var (frame, admitted) in _waiting)
                if (admitted.TrySetException(new InvalidOperationException("The lane to this peer closed before the message was queued.")))
                    left.Add(frame);
            _waiting.Clear();
            return left;
        }
    }

    private bool Fits(long size) => _bytes == 0 || _bytes + size <= maxBytes;

    private void Admit(Outgoing frame)
    {
        _bytes += frame.Size;
        _admitted.Writer.TryWrite(frame);
    }
}
