using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Event;
using Grpc.Core;
using Grpc.Net.Client;

namespace ActorGrad.Cluster.Lanes;

/// <summary>
/// This member's sending end towards one peer: a bounded queue and one writer that keeps a gRPC client stream
/// open to the peer's lane server and writes the queued frames into it one after another, so every
/// (sender, recipient) pair's messages arrive in the order they were sent. A broken connection is logged,
/// the frame that was on it goes to dead letters (it may or may not have arrived: at most once, as
/// Akka.Remote), and the writer reconnects with a growing pause; after
/// <see cref="TensorLaneSettings.ConnectAttempts"/> failures in a row the queued frames go to dead letters too.
/// </summary>
internal sealed class LanePeer : IAsyncDisposable
{
    private static readonly TimeSpan FirstPause = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan LongestPause = TimeSpan.FromSeconds(5);

    private readonly TensorLane _lane;
    private readonly TensorLaneSettings _settings;
    private readonly ILoggingAdapter _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _writer;

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
                using var channel = OpenChannel(Address.Host!, port);
                using var call = channel.CreateCallInvoker().AsyncClientStreamingCall(LaneMethods.Deliver, null, new CallOptions(cancellationToken: _stop.Token));
                _log.Debug("Tensor lane: streaming to {0} (port {1}).", Address, port);
                while (await reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
                    while (reader.TryRead(out inFlight))
                    {
                        try
                        {
                            await call.RequestStream.WriteAsync(inFlight.Frame, _stop.Token).ConfigureAwait(false);
                        }
                        finally
                        {
                            Queue.Sent(inFlight);
                        }
                        inFlight = null;
                        failures = 0;
                    }
                await call.RequestStream.CompleteAsync().ConfigureAwait(false);
                await call.ResponseAsync.ConfigureAwait(false);
                return;
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                if (inFlight is not null) _lane.DeadLetter(inFlight, "the lane stopped while it was being sent");
                return;
            }
            catch (Exception e)
            {
                failures++;
                var reason = e is RpcException r ? $"{r.StatusCode}: {r.Status.Detail}" : e.Message;
                if (inFlight is not null) _lane.DeadLetter(inFlight, $"the connection broke while it was being sent ({reason}); it may or may not have arrived");
                if (failures >= _settings.ConnectAttempts)
                {
                    _log.Error("Tensor lane: {0} failed {1} times in a row (last: {2}); the queued messages go to dead letters.", Address, failures, reason);
                    while (reader.TryRead(out var lost))
                    {
                        Queue.Sent(lost);
                        _lane.DeadLetter(lost, $"{Address} could not be reached");
                    }
                    failures = 0;
                    continue;
                }
                var pause = TimeSpan.FromTicks(Math.Min(LongestPause.Ticks, FirstPause.Ticks << (failures - 1)));
                _log.Warning("Tensor lane: the stream to {0} failed ({1}); attempt {2} of {3} in {4} ms.",
                    Address, reason, failures + 1, _settings.ConnectAttempts, (int)pause.TotalMilliseconds);
                try { await Task.Delay(pause, _stop.Token).ConfigureAwait(false); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    private GrpcChannel OpenChannel(string host, int port)
    {
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = false,
            ConnectTimeout = _settings.ConnectTimeout,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            // A peer that vanished without closing the connection is noticed within 15 s even when idle.
            KeepAlivePingDelay = TimeSpan.FromSeconds(5),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
        };
        var scheme = "http";
        if (_settings.UsesTls)
        {
            scheme = "https";
            var ca = _settings.CertificateAuthority!;
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = new X509CertificateCollection { _settings.Certificate! },
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    if (LaneCertificates.IsSignedBy(certificate as X509Certificate2, ca)) return true;
                    _log.Error("Tensor lane: {0} presented a certificate ({1}) not signed by the cluster CA; not sending to it.",
                        Address, certificate?.Subject ?? "none");
                    return false;
                },
            };
        }
        var uri = new UriBuilder(scheme, host, port).Uri;
        return GrpcChannel.ForAddress(uri, new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxSendMessageSize = _settings.MaxMessageBytes,
            MaxReceiveMessageSize = 1 << 10,
        });
    }

    /// <summary>Stops the writer; what is still queued goes to dead letters.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var lost in Queue.Close()) _lane.DeadLetter(lost, $"the lane to {Address} closed");
        _stop.Cancel();
        try { await _writer.ConfigureAwait(false); }
        catch (Exception e) { _log.Warning("Tensor lane: the writer to {0} ended with {1}", Address, e.Message); }
        _stop.Dispose();
    }
}
