using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace ActorGrad.Cluster.Lanes;

/// <summary>
/// Opening a lane connection from either end: TCP with Nagle off and keep-alive probes (a peer that vanished
/// is noticed within seconds even on an idle connection), then TLS with the cluster's certificates when the
/// settings have them (System.Net.Security's SslStream, as Akka.Remote's TLS), then the preface exchange: the
/// accepting end answers only once it accepted the peer's certificate and version, so a refused connector
/// learns it at once instead of writing into a connection that is about to close; and, behind the preface, whether
/// the payloads go through a shared-memory ring (<see cref="SharedRingHandshake"/>).
/// </summary>
internal static class LaneSockets
{
    public static void Tune(Socket socket)
    {
        socket.NoDelay = true;
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, 5);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, 2);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, 3);
    }

    /// <summary>The connecting end: returns the stream to write frames into once the peer accepted this member, and its ring if any.</summary>
    public static async Task<LaneConnection> ConnectAsync(string host, int port, TensorLaneSettings settings, CancellationToken cancel)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timeout.CancelAfter(settings.ConnectTimeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            Tune(socket);
            await socket.ConnectAsync(host, port, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TimeoutException($"connecting to {host}:{port} took longer than {settings.ConnectTimeout.TotalSeconds:0.#} s");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        try
        {
            if (settings.UsesTls)
            {
                var ca = settings.CertificateAuthority!;
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = tls;
                await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = host,
                    ClientCertificates = new X509CertificateCollection { settings.Certificate! },
                    // Only the CA counts, not the host name: members are who the cluster CA signed (Akka.Remote's default too).
                    RemoteCertificateValidationCallback = (_, certificate, _, _) => LaneCertificates.IsSignedBy(certificate as X509Certificate2, ca),
                }, timeout.Token).ConfigureAwait(false);
            }
            await stream.WriteAsync((byte[])[.. LaneWire.Preface, .. SharedRingHandshake.Identity(settings)], timeout.Token).ConfigureAwait(false);
            var answer = new byte[LaneWire.Preface.Length];
            var got = await stream.ReadAtLeastAsync(answer, answer.Length, throwOnEndOfStream: false, timeout.Token).ConfigureAwait(false);
            if (got < answer.Length || !answer.AsSpan().SequenceEqual(LaneWire.Preface))
                throw new IOException("the peer's lane closed the connection without accepting it (it refused this member's certificate or speaks another lane version)");
            var (ring, carrier) = await SharedRingHandshake.OfferAsync(stream, settings, timeout.Token).ConfigureAwait(false);
            return new LaneConnection(stream, ring, carrier);
        }
        catch (AuthenticationException e)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw new IOException($"TLS with the peer failed: {e.Message} (is its certificate signed by the cluster CA?)", e);
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw new TimeoutException($"connecting to {host}:{port} took longer than {settings.ConnectTimeout.TotalSeconds:0.#} s");
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// The accepting end: TLS requiring a certificate signed by the cluster CA, then the preface. Throws
    /// <see cref="LaneRefusedException"/> with the reason when the peer is not let in.
    /// </summary>
    public static async Task<LaneConnection> AcceptAsync(Socket socket, TensorLaneSettings settings, CancellationToken cancel)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timeout.CancelAfter(settings.ConnectTimeout);
        Tune(socket);
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        try
        {
            if (settings.UsesTls)
            {
                var ca = settings.CertificateAuthority!;
                string? refusal = null;
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = tls;
                try
                {
                    await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                    {
                        ServerCertificate = settings.Certificate,
                        ClientCertificateRequired = true,
                        RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                        {
                            if (LaneCertificates.IsSignedBy(certificate as X509Certificate2, ca)) return true;
                            refusal = certificate is null
                                ? "it presented no certificate"
                                : $"its certificate ({certificate.Subject}, issued by {certificate.Issuer}) is not signed by the cluster CA";
                            return false;
                        },
                    }, timeout.Token).ConfigureAwait(false);
                }
                catch (AuthenticationException e)
                {
                    throw new LaneRefusedException(refusal ?? $"the TLS handshake failed: {e.Message}");
                }
            }
            var preface = new byte[LaneWire.Preface.Length];
            var got = await stream.ReadAtLeastAsync(preface, preface.Length, throwOnEndOfStream: false, timeout.Token).ConfigureAwait(false);
            if (got < preface.Length || !preface.AsSpan().SequenceEqual(LaneWire.Preface))
                throw new LaneRefusedException($"it did not open with the lane preface (got {Convert.ToHexString(preface, 0, got)})");
            var (shared, reason) = await SharedRingHandshake.ReadIdentityAsync(stream, settings, timeout.Token).ConfigureAwait(false);
            await stream.WriteAsync((byte[])[.. LaneWire.Preface, (byte)(shared ? 1 : 0)], timeout.Token).ConfigureAwait(false);
            if (!shared) return new LaneConnection(stream, null, $"socket ({reason})");
            var (ring, carrier) = await SharedRingHandshake.MapAsync(stream, timeout.Token).ConfigureAwait(false);
            return new LaneConnection(stream, ring, carrier);
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw new LaneRefusedException($"it did not complete the handshake within {settings.ConnectTimeout.TotalSeconds:0.#} s");
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The address to bind for a host name (Akka.Remote's hostname, usually an address already).</summary>
    public static IPAddress Resolve(string host)
    {
        if (IPAddress.TryParse(host, out var ip)) return ip;
        var addresses = Dns.GetHostAddresses(host);
        return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.First();
    }
}

/// <summary>An open lane connection: its stream, and the shared-memory ring its payloads go through (null: the socket), and which it is, for the log.</summary>
internal sealed class LaneConnection(Stream stream, SharedRing? ring, string carrier) : IAsyncDisposable
{
    public Stream Stream => stream;
    public SharedRing? Ring => ring;
    public string Carrier => carrier;

    public async ValueTask DisposeAsync()
    {
        await stream.DisposeAsync().ConfigureAwait(false);
        ring?.Dispose();
    }
}

/// <summary>A connection the accepting end did not let in; the message says why.</summary>
internal sealed class LaneRefusedException(string reason) : Exception(reason);
