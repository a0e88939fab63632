using System.Net;
using System.Net.Sockets;
using Akka.Event;
using Grpc.AspNetCore.Server.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ActorGrad.Cluster.Lanes;

/// <summary>
/// The lane's listening end: Kestrel serving the one gRPC method over HTTP/2, with TLS that requires a client
/// certificate signed by the cluster CA (a peer without one fails the handshake and never reaches gRPC).
/// HTTP/2 windows are raised so that one stream can keep a 64 MiB tensor moving at socket speed.
/// </summary>
internal sealed class LaneServer : IAsyncDisposable
{
    private const int WindowBytes = 64 << 20;
    private readonly WebApplication _app;

    private LaneServer(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    public static async Task<LaneServer> StartAsync(IPAddress address, TensorLaneSettings settings, LaneService service, ILoggingAdapter log)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Limits.Http2.InitialConnectionWindowSize = WindowBytes;
            kestrel.Limits.Http2.InitialStreamWindowSize = WindowBytes;
            if (Environment.GetEnvironmentVariable("LANE_FRAME") is { } f) kestrel.Limits.Http2.MaxFrameSize = int.Parse(f);
            kestrel.Listen(address, settings.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                if (!settings.UsesTls) return;
                var ca = settings.CertificateAuthority!;
                listen.UseHttps(https =>
                {
                    https.ServerCertificate = settings.Certificate;
                    https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                    https.ClientCertificateValidation = (certificate, _, _) =>
                    {
                        if (LaneCertificates.IsSignedBy(certificate, ca)) return true;
                        log.Warning("Tensor lane: refused a connection whose certificate ({0}) is not signed by the cluster CA.",
                            certificate?.Subject ?? "none");
                        return false;
                    };
                });
            });
        });
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = settings.MaxMessageBytes;
            grpc.EnableDetailedErrors = true;
        });
        builder.Services.AddSingleton(service);
        builder.Services.AddSingleton<IServiceMethodProvider<LaneService>, LaneMethodProvider>();
        var app = builder.Build();
        app.MapGrpcService<LaneService>();
        await app.StartAsync().ConfigureAwait(false);
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new LaneServer(app, new Uri(bound).Port);
    }

    /// <summary>The address the server binds for a host name (Akka.Remote's hostname, usually an address already).</summary>
    public static IPAddress Resolve(string host)
    {
        if (IPAddress.TryParse(host, out var ip)) return ip;
        var addresses = Dns.GetHostAddresses(host);
        return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.First();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
