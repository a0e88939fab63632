using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Akka.Event;

namespace ActorGrad.Cluster.Lanes;

/// <summary>
/// The lane's accepting end on one member: a listening socket, and per accepted peer a read loop that takes
/// frames off the connection in order and hands each to <see cref="LaneDelivery"/>. The payload is read straight
/// into the array the deserializer gets, or, when it lies in the connection's shared-memory ring, decoded from there. A peer that is refused, a malformed frame (the framing is lost, so the
/// connection closes) and a connection that breaks are logged; none of them touches another connection.
/// </summary>
internal sealed class LaneListener : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly TensorLaneSettings _settings;
    private readonly LaneDelivery _delivery;
    private readonly ILoggingAdapter _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<Task, byte> _connections = new();
    private readonly Task _accepting;

    /// <summary>What flows back on a connection with a ring: "there is room now", when the writer waits for it.</summary>
    private static readonly byte[] WakeByte = [1];

    private readonly LaneTraffic _traffic;

    public LaneListener(IPAddress address, TensorLaneSettings settings, LaneDelivery delivery, ILoggingAdapter log, LaneTraffic traffic)
    {
        _traffic = traffic;
        _settings = settings;
        _delivery = delivery;
        _log = log;
        _listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(address, settings.Port));
        _listener.Listen(64);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        _accepting = Task.Run(AcceptLoopAsync);
    }

    public int Port { get; }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException || _stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException e)
            {
                _log.Warning("Tensor lane: accepting a connection failed: {0}", e.Message);
                continue;
            }
            var connection = Task.Run(() => ServeAsync(socket));
            _connections[connection] = 0;
            _ = connection.ContinueWith(t => _connections.TryRemove(t, out _), TaskScheduler.Default);
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        var peer = socket.RemoteEndPoint?.ToString() ?? "an unknown peer";
        LaneConnection connection;
        try
        {
            connection = await LaneSockets.AcceptAsync(socket, _settings, _stop.Token).ConfigureAwait(false);
        }
        catch (LaneRefusedException e)
        {
            _log.Warning("Tensor lane: refused a connection from {0}: {1}.", peer, e.Message);
            return;
        }
        catch (Exception e) when (!_stop.IsCancellationRequested)
        {
            _log.Warning("Tensor lane: a connection from {0} failed before it was accepted: {1}", peer, e.Message);
            return;
        }
        catch
        {
            return;
        }
        // The ring is unmapped when this ends, after the read loop, its only user, has stopped.
        await using (connection.ConfigureAwait(false))
        {
            _log.Info("Tensor lane: accepted {0}; its payloads come through {1}.", peer, connection.Carrier);
            try
            {
                await ReadFramesAsync(connection, peer).ConfigureAwait(false);
                _log.Debug("Tensor lane: {0} closed its connection.", peer);
            }
            catch (InvalidDataException e)
            {
                _log.Error("Tensor lane: {0} sent a malformed frame ({1}); closing its connection.", peer, e.Message);
            }
            catch (Exception e) when (!_stop.IsCancellationRequested)
            {
                _log.Warning("Tensor lane: the connection from {0} broke: {1}", peer, e.Message);
            }
            catch
            {
                // Stopping: the connection closes with the lane.
            }
        }
    }

    private async Task ReadFramesAsync(LaneConnection connection, string peer)
    {
        var stream = connection.Stream;
        var ring = connection.Ring;
        var prefix = new byte[LaneWire.PrefixBytes + LaneWire.RingPositionBytes];
        var header = new byte[256];
        var buffers = new PayloadBuffers();
        while (true)
        {
            var got = await stream.ReadAtLeastAsync(prefix.AsMemory(0, LaneWire.PrefixBytes), LaneWire.PrefixBytes, throwOnEndOfStream: false, _stop.Token).ConfigureAwait(false);
            if (got == 0) return;
            if (got < LaneWire.PrefixBytes) throw new EndOfStreamException("the connection ended inside a frame's prefix");
            var (headerBytes, payloadBytes, inRing) = LaneWire.DecodePrefix(prefix, _settings.MaxMessageBytes);
            var position = -1L;
            if (inRing)
            {
                if (ring is null) throw new InvalidDataException("a frame names a shared-memory ring this connection does not have");
                await stream.ReadExactlyAsync(prefix.AsMemory(LaneWire.PrefixBytes, LaneWire.RingPositionBytes), _stop.Token).ConfigureAwait(false);
                position = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(prefix.AsSpan(LaneWire.PrefixBytes));
            }
            if (header.Length < headerBytes) header = new byte[Math.Max(headerBytes, header.Length * 2)];
            await stream.ReadExactlyAsync(header.AsMemory(0, headerBytes), _stop.Token).ConfigureAwait(false);
            var (serializerId, recipient, sender, manifest) = LaneWire.DecodeHeader(header.AsSpan(0, headerBytes));
            var reusable = _settings.CopyingSerializerIds.Contains(serializerId);
            _traffic.Received((long)LaneWire.PrefixBytes + (inRing ? LaneWire.RingPositionBytes : 0) + headerBytes + payloadBytes);
            if (inRing)
            {
                // Decoded from the ring where the serializer allows it, else copied out; the space is released only
                // after that, and the writer reuses nothing before its release.
                if (_delivery.DecodesFromMemory(serializerId))
                    _delivery.Deliver(recipient, sender, serializerId, manifest, ring!.ReadMemory(position, payloadBytes), peer);
                else
                {
                    var copy = reusable ? buffers.Rent(payloadBytes) : GC.AllocateUninitializedArray<byte>(payloadBytes);
                    ring!.Read(position, payloadBytes).CopyTo(copy);
                    _delivery.Deliver(new LaneFrame(recipient, sender, serializerId, manifest, copy), peer);
                    if (reusable) buffers.Return(copy);
                }
                if (ring.Release(position + payloadBytes))
                    await stream.WriteAsync(WakeByte, _stop.Token).ConfigureAwait(false);
                continue;
            }
            // Uninitialized: every byte is read into it next, and zeroing 64 MiB is not free.
            var payload = reusable ? buffers.Rent(payloadBytes) : GC.AllocateUninitializedArray<byte>(payloadBytes);
            await stream.ReadExactlyAsync(payload, _stop.Token).ConfigureAwait(false);
            _delivery.Deliver(new LaneFrame(recipient, sender, serializerId, manifest, payload), peer);
            // Deliver has deserialized the message; a copying serializer kept nothing of the array.
            if (reusable) buffers.Return(payload);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Dispose();
        try { await _accepting.ConfigureAwait(false); }
        catch (Exception e) { _log.Debug("Tensor lane: the accept loop ended with {0}", e.Message); }
        await Task.WhenAll(_connections.Keys).WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
    }
}
