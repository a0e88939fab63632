using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Akka.Event;

namespace ActorGrad.Cluster.Lanes;

/// <summary>
/// The lane's accepting end on one member: a listening socket, and per accepted peer a read loop that takes
/// frames off the connection in order and hands each to <see cref="LaneDelivery"/>. The payload is read straight
/// into the array the deserializer gets. A peer that is refused, a malformed frame (the framing is lost, so the
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
        Stream stream;
        try
        {
            stream = await LaneSockets.AcceptAsync(socket, _settings, _stop.Token).ConfigureAwait(false);
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
        await using (stream.ConfigureAwait(false))
        {
            _log.Debug("Tensor lane: accepted {0}.", peer);
            try
            {
                await ReadFramesAsync(stream, peer).ConfigureAwait(false);
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

    private async Task ReadFramesAsync(Stream stream, string peer)
    {
        var prefix = new byte[LaneWire.PrefixBytes];
        var header = new byte[256];
        var buffers = new PayloadBuffers();
        while (true)
        {
            var got = await stream.ReadAtLeastAsync(prefix, prefix.Length, throwOnEndOfStream: false, _stop.Token).ConfigureAwait(false);
            if (got == 0) return;
            if (got < prefix.Length) throw new EndOfStreamException("the connection ended inside a frame's prefix");
            var (headerBytes, payloadBytes) = LaneWire.DecodePrefix(prefix, _settings.MaxMessageBytes);
            if (header.Length < headerBytes) header = new byte[Math.Max(headerBytes, header.Length * 2)];
            await stream.ReadExactlyAsync(header.AsMemory(0, headerBytes), _stop.Token).ConfigureAwait(false);
            var (serializerId, recipient, sender, manifest) = LaneWire.DecodeHeader(header.AsSpan(0, headerBytes));
            // Uninitialized: every byte is read into it next, and zeroing 64 MiB is not free.
            var reusable = _settings.CopyingSerializerIds.Contains(serializerId);
            var payload = reusable ? buffers.Rent(payloadBytes) : GC.AllocateUninitializedArray<byte>(payloadBytes);
            await stream.ReadExactlyAsync(payload, _stop.Token).ConfigureAwait(false);
            _traffic.Received((long)prefix.Length + headerBytes + payloadBytes);
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
