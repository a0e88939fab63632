using System.IO.Pipelines;
using System.Net.Sockets;
using ActorGrad.Protocol.Wire;

namespace ActorGrad.Engine.Cluster;

/// <summary>
/// One TCP connection to another member: length-prefixed frames over System.IO.Pipelines (64 KB
/// segments), the handshake, then a reader loop that hands frames to the transport and a writer
/// loop that drains the peer's queue. Anything malformed closes this connection only.
/// </summary>
internal sealed class Connection : IAsyncDisposable
{
    private const int SegmentBytes = 64 * 1024;
    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly PipeReader _reader;
    private readonly PipeWriter _writer;
    private readonly FrameDecoder _decoder;
    private readonly CancellationTokenSource _closed = new();
    private readonly CancellationTokenSource _retiring = new();
    private int _disposed;

    public Connection(Socket socket, Stream stream, bool outbound, int maxFrameBytes)
    {
        _socket = socket;
        _stream = stream;
        Outbound = outbound;
        // Received tensors are decoded into the tensor pool: a receiver that disposes them recycles the memory.
        _decoder = new FrameDecoder(maxFrameBytes, n => Tensors.TensorStorage.Rent(n, clear: false));
        _reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: SegmentBytes, minimumReadSize: 4096));
        _writer = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: SegmentBytes));
        MaxFrameBytes = maxFrameBytes;
        RemoteEndPoint = socket.RemoteEndPoint?.ToString() ?? "?";
    }

    public bool Outbound { get; }
    public int MaxFrameBytes { get; }
    public string RemoteEndPoint { get; }
    /// <summary>The authenticated peer; set when the handshake completes.</summary>
    public MemberAddress? Peer { get; set; }
    public CancellationToken Closed => _closed.Token;
    public bool IsClosed => _closed.IsCancellationRequested;

    /// <summary>
    /// A newer connection to the same peer took over: this one writes out what it already took,
    /// half-closes, and reads until the peer does the same, so nothing in flight is lost.
    /// </summary>
    public CancellationToken Retiring => _retiring.Token;
    public bool IsRetiring => _retiring.IsCancellationRequested;
    public void Retire() => _retiring.Cancel();

    /// <summary>The loops that serve this connection once it is active (a successor waits for them to keep order).</summary>
    public Task ReadLoop { get; set; } = Task.CompletedTask;
    public Task WriteLoop { get; set; } = Task.CompletedTask;

    /// <summary>No more frames from this side: the peer's reader sees the end of the stream after the last one.</summary>
    public async Task FinishSendingAsync()
    {
        try
        {
            if (_stream is System.Net.Security.SslStream ssl) await ssl.ShutdownAsync().ConfigureAwait(false);
            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException or InvalidOperationException) { /* already gone */ }
    }

    /// <summary>Reads one whole frame, or null when the peer closed the connection cleanly.</summary>
    public async ValueTask<DecodedFrame?> ReadFrameAsync(CancellationToken ct)
    {
        while (true)
        {
            var result = await _reader.ReadAsync(ct).ConfigureAwait(false);
            var buffer = result.Buffer;
            DecodedFrame? frame;
            try
            {
                if (_decoder.TryRead(ref buffer, out frame))
                {
                    // Only what was consumed is examined: more whole frames may already be buffered.
                    _reader.AdvanceTo(buffer.Start);
                    return frame;
                }
            }
            catch
            {
                _reader.AdvanceTo(buffer.Start, buffer.End);
                throw;
            }
            _reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                if (buffer.Length > 0) throw new FrameException($"The connection closed in the middle of a frame ({buffer.Length} bytes pending).");
                return null;
            }
        }
    }

    /// <summary>Writes a handshake frame and flushes it (the writer loop is not running yet).</summary>
    public async ValueTask WriteNowAsync(Frame frame, CancellationToken ct)
    {
        FrameEncoder.Write(_writer, frame, null, MaxFrameBytes);
        await _writer.FlushAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Encodes one queued frame into the pipe; the caller decides when to flush.</summary>
    public void Write(in OutboundFrame frame) => FrameEncoder.Write(_writer, frame.Header, frame.Tensor, MaxFrameBytes);

    public long UnflushedBytes => _writer.UnflushedBytes;

    public ValueTask<FlushResult> FlushAsync(CancellationToken ct) => _writer.FlushAsync(ct);

    public void Close()
    {
        if (_closed.IsCancellationRequested) return;
        _closed.Cancel();
        try { _socket.Shutdown(SocketShutdown.Both); } catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        _socket.Close();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        Close();
        try { await _reader.CompleteAsync().ConfigureAwait(false); } catch { /* the socket is gone */ }
        try { await _writer.CompleteAsync().ConfigureAwait(false); } catch { /* the socket is gone */ }
        try { await _stream.DisposeAsync().ConfigureAwait(false); } catch { /* the socket is gone */ }
    }

    public override string ToString() => $"{(Outbound ? "to" : "from")} {Peer?.ToString() ?? RemoteEndPoint}";
}
