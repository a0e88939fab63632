using ActorGrad.Cluster.Metrics;
using Akka.Actor;
using Akka.Event;

namespace ActorGrad.Cluster.Lanes;

/// <summary>
/// This member's sending end towards one peer: a bounded queue and one writer that keeps a connection open to
/// the peer's lane and writes the queued frames into it one after another, so every (sender, recipient) pair's
/// messages arrive in the order they were sent. A broken connection is logged, the frame that was on it goes to
/// dead letters (it may or may not have arrived: at most once, as Akka.Remote), and the writer reconnects after
/// a growing pause. A peer on this host gets the payloads through a shared-memory ring (<see cref="SharedRing"/>),
/// the connection still carrying every frame in order; after <see cref="TensorLaneSettings.ConnectAttempts"/> failures in a row the queued frames
/// go to dead letters too, and the next message tries again.
/// </summary>
internal sealed class LanePeer : IAsyncDisposable
{
    private static readonly TimeSpan FirstPause = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan LongestPause = TimeSpan.FromSeconds(5);

    /// <summary>A payload up to this size is copied behind its header and written with it (one write, one TLS record run).</summary>
    private const int CoalesceBytes = 64 << 10;

    /// <summary>A smaller payload goes behind its header even when there is a ring: the frame costs more than its bytes.</summary>
    internal const int RingMinBytes = 1024;

    private readonly TensorLane _lane;
    private readonly TensorLaneSettings _settings;
    private readonly ILoggingAdapter _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _writer;
    private string? _carrier; // what the last connection carried payloads through, logged when it changes

    public LanePeer(TensorLane lane, Address address, TensorLaneSettings settings, ILoggingAdapter log)
    {
        _lane = lane;
        Address = address;
        _settings = settings;
        _log = log;
        Queue = new SendQueue(settings.MaxQueuedBytesPerPeer);
        _writer = Task.Run(WriteLoopAsync);
    }

    public Address Address { get; }

    public SendQueue Queue { get; }

    private async Task WriteLoopAsync()
    {
        var failures = 0;
        var reader = Queue.Reader;
        while (!_stop.IsCancellationRequested)
        {
            Outgoing? inFlight = null;
            try
            {
                if (!await reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false)) return;
                var port = await _lane.PortOfAsync(Address, _settings.ConnectTimeout, _stop.Token).ConfigureAwait(false);
                var connection = await LaneSockets.ConnectAsync(Address.Host!, port, _settings, _stop.Token).ConfigureAwait(false);
                // The ring is unmapped when this ends, after the write loop, its only user, has left it.
                await using (connection.ConfigureAwait(false))
                {
                    var stream = connection.Stream;
                    if (connection.Carrier != _carrier)
                    {
                        _carrier = connection.Carrier;
                        _log.Info("Tensor lane: connected to {0} (port {1}); payloads go through {2}.", Address, port, _carrier);
                    }
                    // Only the ring's wake bytes flow back on a lane connection: a read that ends means the peer closed
                    // or vanished, and cancels whatever write or wait is pending instead of letting it hang on a dead socket.
                    using var broken = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                    // Not disposed: the watch may still release it after this block (SemaphoreSlim holds nothing to free).
                    var wakes = new SemaphoreSlim(0);
                    var watch = WatchAsync(stream, wakes, broken);
                    while (await reader.WaitToReadAsync(broken.Token).ConfigureAwait(false))
                        while (reader.TryRead(out inFlight))
                        {
                            try
                            {
                                await WriteAsync(connection, wakes, inFlight.Frame, broken.Token).ConfigureAwait(false);
                                if (StepTimeline.Enabled) StepTimeline.RecordMessage(inFlight.Message, "written", Address);
                            }
                            finally
                            {
                                Queue.Sent(inFlight);
                            }
                            inFlight = null;
                            failures = 0;
                        }
                    broken.Cancel();
                    await watch.ConfigureAwait(false);
                }
                return;
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                if (inFlight is not null) _lane.DeadLetter(inFlight, "the lane stopped while it was being sent");
                return;
            }
            catch (OperationCanceledException) when (inFlight is null)
            {
                // Closed while idle (the peer stopped, or restarts): reconnect when there is something to send.
                _log.Info("Tensor lane: {0} closed the connection; the next message reconnects.", Address);
            }
            catch (Exception e)
            {
                failures++;
                var reason = e is OperationCanceledException ? "the peer closed the connection" : e.Message;
                if (inFlight is not null) _lane.DeadLetter(inFlight, $"the connection broke while it was being sent ({reason}); it may or may not have arrived");
                if (failures >= _settings.ConnectAttempts)
                {
                    _log.Error("Tensor lane: sending to {0} failed {1} times in a row (last: {2}); the queued messages go to dead letters.", Address, failures, reason);
                    while (reader.TryRead(out var lost))
                    {
                        Queue.Sent(lost);
                        _lane.DeadLetter(lost, $"{Address} could not be reached");
                    }
                    failures = 0;
                    continue;
                }
                var pause = TimeSpan.FromTicks(Math.Min(LongestPause.Ticks, FirstPause.Ticks << (failures - 1)));
                _log.Warning("Tensor lane: sending to {0} failed ({1}); attempt {2} of {3} in {4} ms.",
                    Address, reason, failures + 1, _settings.ConnectAttempts, (int)pause.TotalMilliseconds);
                try { await Task.Delay(pause, _stop.Token).ConfigureAwait(false); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    /// <summary>
    /// Writes one frame: its payload into the connection's ring and the frame that points at it onto the socket,
    /// waiting for the reader to make room if need be; or, without a ring or for a payload larger than it, the
    /// payload onto the socket behind its header.
    /// </summary>
    private async Task WriteAsync(LaneConnection connection, SemaphoreSlim wakes, LaneFrame frame, CancellationToken cancel)
    {
        var stream = connection.Stream;
        var payload = frame.Payload.AsMemory(0, frame.PayloadLength);
        if (connection.Ring is { } ring && payload.Length >= RingMinBytes && payload.Length <= ring.Capacity)
        {
            long position;
            while ((position = ring.TryWrite(payload.Span)) < 0)
            {
                ring.AnnounceWaiting();
                if ((position = ring.TryWrite(payload.Span)) >= 0) break;
                await wakes.WaitAsync(cancel).ConfigureAwait(false);
            }
            var pointer = LaneWire.EncodeHead(frame, position);
            await stream.WriteAsync(pointer, cancel).ConfigureAwait(false);
            _lane.Traffic.Sent(pointer.Length + payload.Length, payload.Length);
            return;
        }
        var head = LaneWire.EncodeHead(frame);
        if (payload.Length <= CoalesceBytes)
        {
            var whole = new byte[head.Length + payload.Length];
            head.CopyTo(whole, 0);
            payload.CopyTo(whole.AsMemory(head.Length));
            await stream.WriteAsync(whole, cancel).ConfigureAwait(false);
        }
        else
        {
            await stream.WriteAsync(head, cancel).ConfigureAwait(false);
            await stream.WriteAsync(payload, cancel).ConfigureAwait(false);
        }
        _lane.Traffic.Sent(head.Length + payload.Length, 0);
    }

    /// <summary>Reads the peer's wake bytes until the connection ends, then cancels <paramref name="broken"/>.</summary>
    private static async Task WatchAsync(Stream stream, SemaphoreSlim wakes, CancellationTokenSource broken)
    {
        var buffer = new byte[64];
        try
        {
            while (await stream.ReadAsync(buffer, broken.Token).ConfigureAwait(false) > 0)
                if (wakes.CurrentCount == 0) wakes.Release();
        }
        catch (Exception) { /* closed, reset or cancelled: all mean the same here */ }
        try { broken.Cancel(); }
        catch (ObjectDisposedException) { /* the connection's block has already ended */ }
    }

    /// <summary>Stops the writer; what is still queued goes to dead letters.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var lost in Queue.Close()) _lane.DeadLetter(lost, $"the lane to {Address} closed");
        _stop.Cancel();
        try { await _writer.ConfigureAwait(false); }
        catch (Exception e) { _log.Warning("Tensor lane: the writer to {0} ended with {1}", Address, e.Message); }
    }
}
