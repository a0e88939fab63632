using System.Buffers;
using System.Net.Sockets;
using ActorGrad.Protocol.Wire;

namespace ActorGrad.Cluster.Tests;

/// <summary>A bare TCP client that speaks frames by hand, to poke a member the way an attacker or a broken peer would.</summary>
internal sealed class RawConnection : IAsyncDisposable
{
    private readonly TcpClient _client = new() { NoDelay = true };
    private readonly FrameDecoder _decoder = new();
    private byte[] _pending = [];
    private NetworkStream _stream = null!;

    public static async Task<RawConnection> ConnectAsync(int port)
    {
        var c = new RawConnection();
        await c._client.ConnectAsync("127.0.0.1", port);
        c._stream = c._client.GetStream();
        return c;
    }

    public Task SendAsync(Frame frame) => SendBytesAsync(FrameEncoder.Encode(frame));

    public async Task SendBytesAsync(byte[] bytes)
    {
        try { await _stream.WriteAsync(bytes); }
        catch (IOException) { /* the member may have closed already: that is what the tests look for */ }
    }

    /// <summary>Half-closes the connection: the member sees the end of the stream at once instead of waiting out its handshake timeout.</summary>
    public void FinishSending()
    {
        try { _client.Client.Shutdown(SocketShutdown.Send); }
        catch (SocketException) { /* already closed by the member */ }
    }

    /// <summary>The next frame, or null when the member closed the connection.</summary>
    public async Task<Frame?> ReadFrameAsync(TimeSpan max)
    {
        using var cts = new CancellationTokenSource(max);
        var chunk = new byte[65536];
        while (true)
        {
            var sequence = new ReadOnlySequence<byte>(_pending);
            if (_decoder.TryRead(ref sequence, out var frame))
            {
                _pending = sequence.ToArray();
                return frame.Header;
            }
            int n;
            try { n = await _stream.ReadAsync(chunk, cts.Token); }
            catch (IOException) { return null; }
            catch (ObjectDisposedException) { return null; }
            if (n == 0) return null;
            _pending = [.. _pending, .. chunk.AsSpan(0, n)];
        }
    }

    /// <summary>Reads until the member closes the connection; the frames it sent before closing.</summary>
    public async Task<List<Frame>> ReadUntilClosedAsync(TimeSpan max)
    {
        var frames = new List<Frame>();
        while (await ReadFrameAsync(max) is { } f) frames.Add(f);
        return frames;
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}
