using System.Net;
using System.Net.Sockets;

namespace ActorGrad.Cluster.Tests;

/// <summary>
/// A loopback TCP proxy in front of a member that records what clients send through it, so a test
/// can replay a real Akka.Remote byte stream (and mutations of it) against the member.
/// </summary>
internal sealed class CaptureProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _targetPort;
    private readonly MemoryStream _captured = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _pumps = [];
    private readonly Task _accepting;

    public CaptureProxy(int targetPort)
    {
        _targetPort = targetPort;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Every byte clients sent through the proxy so far (first connection first).</summary>
    public byte[] Captured { get { lock (_captured) return _captured.ToArray(); } }

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                var server = new TcpClient();
                await server.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
                lock (_pumps)
                {
                    _pumps.Add(PumpAsync(client, server, record: true));
                    _pumps.Add(PumpAsync(server, client, record: false));
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { }
    }

    private async Task PumpAsync(TcpClient from, TcpClient to, bool record)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            var input = from.GetStream();
            var output = to.GetStream();
            int n;
            while ((n = await input.ReadAsync(buffer, _stop.Token)) > 0)
            {
                if (record) lock (_captured) _captured.Write(buffer, 0, n);
                await output.WriteAsync(buffer.AsMemory(0, n), _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException) { }
        finally
        {
            from.Dispose();
            to.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        Task[] pumps;
        lock (_pumps) pumps = [.. _pumps];
        await Task.WhenAll(pumps);
        _stop.Dispose();
    }
}
