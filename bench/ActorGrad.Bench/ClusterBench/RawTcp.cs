using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace ActorGrad.Bench.ClusterBench;

/// <summary>
/// The ceiling the lane is compared with: one plain TCP connection between the same two processes (Nagle off,
/// default socket buffers, blocking writes and reads on one thread per side), carrying nothing but the bytes
/// plus a 16-byte command before each round and a 1-byte ack after it. The same over TLS (SslStream, the
/// lane's certificates) shows what the encryption alone costs.
/// </summary>
internal static class RawTcp
{
    private const int OpStream = 1;
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

    /// <summary>The receiving side (in the peer process): serves connections one after another; TLS if a certificate is given.</summary>
    public static void Serve(Socket listener, X509Certificate2? certificate)
    {
        while (true)
        {
            Socket socket;
            try { socket = listener.Accept(); }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { return; }
            using (socket) ServeOne(socket, certificate);
        }
    }

    private static void ServeOne(Socket socket, X509Certificate2? certificate)
    {
        try
        {
            socket.NoDelay = true;
            using Stream stream = certificate is null ? new NetworkStream(socket, ownsSocket: false) : ServerTls(socket, certificate);
            var command = new byte[CommandBytes];
            var buffer = new byte[ReceiveBufferBytes];
            while (ReadExactly(stream, command) && BinaryPrimitives.ReadInt32LittleEndian(command) == OpStream)
            {
                // count bytes arrive in the sender's writes; one byte acknowledges the last of them.
                for (var left = BinaryPrimitives.ReadInt64LittleEndian(command.AsSpan(8)); left > 0;)
                {
                    var n = stream.Read(buffer, 0, (int)Math.Min(left, buffer.Length));
                    if (n == 0) return;
                    left -= n;
                }
                stream.Write(buffer, 0, 1);
                stream.Flush();
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            // The benchmark ended or the peer went away: nothing to serve any more.
        }
    }

    private static SslStream ServerTls(Socket socket, X509Certificate2 certificate)
    {
        var tls = new SslStream(new NetworkStream(socket, ownsSocket: false));
        tls.AuthenticateAsServer(new SslServerAuthenticationOptions { ServerCertificate = certificate });
        return tls;
    }

    /// <summary>The sending side (in the benchmark process).</summary>
    public sealed class Client : IDisposable
    {
        private readonly Socket _socket;
        private readonly Stream _stream;
        private readonly byte[] _command = new byte[CommandBytes];

        /// <summary>With <paramref name="ca"/>, the connection is TLS and the server's certificate must chain to it.</summary>
        public Client(int port, X509Certificate2? ca)
        {
            _socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            _socket.Connect(new IPEndPoint(IPAddress.Loopback, port));
            var network = new NetworkStream(_socket, ownsSocket: false);
            if (ca is null)
            {
                _stream = network;
                return;
            }
            var tls = new SslStream(network, false, (_, certificate, _, _) => Chains(certificate as X509Certificate2, ca));
            tls.AuthenticateAsClient(new SslClientAuthenticationOptions { TargetHost = "localhost" });
            _stream = tls;
        }

        /// <summary>Seconds to send <paramref name="totalBytes"/> in writes of <paramref name="writeBytes"/> until the receiver acks the last byte.</summary>
        public double Stream(long totalBytes, int writeBytes)
        {
            var chunk = new byte[writeBytes];
            Random.Shared.NextBytes(chunk);
            var watch = Stopwatch.StartNew();
            BinaryPrimitives.WriteInt32LittleEndian(_command, OpStream);
            BinaryPrimitives.WriteInt32LittleEndian(_command.AsSpan(4), writeBytes);
            BinaryPrimitives.WriteInt64LittleEndian(_command.AsSpan(8), totalBytes);
            _stream.Write(_command);
            for (var left = totalBytes; left > 0;)
            {
                var n = (int)Math.Min(left, chunk.Length);
                _stream.Write(chunk, 0, n);
                left -= n;
            }
            _stream.Flush();
            if (!ReadExactly(_stream, _command.AsSpan(0, 1))) throw new IOException("The raw TCP peer closed the connection.");
            return watch.Elapsed.TotalSeconds;
        }

        public void Dispose()
        {
            _stream.Dispose();
            try { _socket.Shutdown(SocketShutdown.Both); }
            catch (SocketException) { }
            _socket.Dispose();
        }
    }

    private static bool Chains(X509Certificate2? certificate, X509Certificate2 ca)
    {
        if (certificate is null) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    private static bool ReadExactly(Stream stream, Span<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            var n = stream.Read(bytes);
            if (n == 0) return false;
            bytes = bytes[n..];
        }
        return true;
    }
}
