using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ActorGrad.Bench.ClusterBench;

/// <summary>
/// The ceiling the cluster transport is compared with: one plain TCP connection between the same two
/// processes (Nagle off, default socket buffers, blocking sends and receives on one thread per side),
/// carrying nothing but the bytes plus a 16-byte command before each round and a 1-byte ack after it.
/// </summary>
internal static class RawTcp
{
    private const int OpQuit = 0;
    private const int OpStream = 1;
    private const int OpPingPong = 2;
    private const int CommandBytes = 16;
    private const int ReceiveBufferBytes = 1 << 20;

    public static Socket Listen()
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        return listener;
    }

    public static int PortOf(Socket listener) => ((IPEndPoint)listener.LocalEndPoint!).Port;

    /// <summary>The receiving side (in the peer process): serves one connection until Quit or EOF.</summary>
    public static void Serve(Socket listener)
    {
        using var socket = listener.Accept();
        socket.NoDelay = true;
        var command = new byte[CommandBytes];
        var buffer = new byte[ReceiveBufferBytes];
        while (ReceiveExactly(socket, command))
        {
            var op = BinaryPrimitives.ReadInt32LittleEndian(command);
            var size = BinaryPrimitives.ReadInt32LittleEndian(command.AsSpan(4));
            var count = BinaryPrimitives.ReadInt64LittleEndian(command.AsSpan(8));
            switch (op)
            {
                case OpStream:
                    // count bytes arrive in the sender's chunks; one byte acknowledges the last of them.
                    for (var left = count; left > 0;)
                    {
                        var n = socket.Receive(buffer, 0, (int)Math.Min(left, buffer.Length), SocketFlags.None);
                        if (n == 0) return;
                        left -= n;
                    }
                    SendAll(socket, buffer.AsSpan(0, 1));
                    break;
                case OpPingPong:
                    for (var i = 0L; i < count; i++)
                    {
                        if (!ReceiveExactly(socket, buffer.AsSpan(0, size))) return;
                        SendAll(socket, buffer.AsSpan(0, size));
                    }
                    break;
                default:
                    return;
            }
        }
    }

    /// <summary>The sending side (in the benchmark process).</summary>
    public sealed class Client : IDisposable
    {
        private readonly Socket _socket;
        private readonly byte[] _command = new byte[CommandBytes];

        public Client(int port)
        {
            _socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            _socket.Connect(new IPEndPoint(IPAddress.Loopback, port));
        }

        /// <summary>Seconds to send <paramref name="totalBytes"/> in writes of <paramref name="writeBytes"/> until the receiver acks the last byte.</summary>
        public double Stream(long totalBytes, int writeBytes)
        {
            var chunk = new byte[writeBytes];
            Random.Shared.NextBytes(chunk);
            var watch = Stopwatch.StartNew();
            SendCommand(OpStream, 0, totalBytes);
            for (var left = totalBytes; left > 0;)
            {
                var n = (int)Math.Min(left, chunk.Length);
                SendAll(_socket, chunk.AsSpan(0, n));
                left -= n;
            }
            if (!ReceiveExactly(_socket, _command.AsSpan(0, 1))) throw new IOException("The raw TCP peer closed the connection.");
            return watch.Elapsed.TotalSeconds;
        }

        /// <summary>Seconds for <paramref name="count"/> round trips of <paramref name="size"/> bytes each way, one at a time.</summary>
        public double PingPong(int size, int count)
        {
            var message = new byte[size];
            var watch = Stopwatch.StartNew();
            SendCommand(OpPingPong, size, count);
            for (var i = 0; i < count; i++)
            {
                SendAll(_socket, message);
                if (!ReceiveExactly(_socket, message)) throw new IOException("The raw TCP peer closed the connection.");
            }
            return watch.Elapsed.TotalSeconds;
        }

        private void SendCommand(int op, int size, long count)
        {
            BinaryPrimitives.WriteInt32LittleEndian(_command, op);
            BinaryPrimitives.WriteInt32LittleEndian(_command.AsSpan(4), size);
            BinaryPrimitives.WriteInt64LittleEndian(_command.AsSpan(8), count);
            SendAll(_socket, _command);
        }

        public void Dispose()
        {
            try
            {
                SendCommand(OpQuit, 0, 0);
                _socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
            _socket.Dispose();
        }
    }

    private static void SendAll(Socket socket, ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty) bytes = bytes[socket.Send(bytes)..];
    }

    private static bool ReceiveExactly(Socket socket, Span<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            var n = socket.Receive(bytes);
            if (n == 0) return false;
            bytes = bytes[n..];
        }
        return true;
    }
}
