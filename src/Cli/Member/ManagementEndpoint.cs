using System.Net;
using System.Text.Json;
using ActorGrad.Cluster.Management;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ActorGrad.Cli.Member;

/// <summary>
/// The node's HTTP management endpoint (`--management-port`, Management:Port): `GET /health/alive` (the ActorSystem
/// runs) and `GET /health/ready` (this member is Up), 200 when healthy and 503 otherwise, with a JSON body, for
/// Kubernetes probes, compose health checks and load balancers. The checks are the member's (<see cref="ClusterHealth"/>,
/// through Akka.Hosting); Kestrel serves them. Akka.Management's own HTTP server cannot serve them: it has no health
/// routes in .NET, and on these machines it does not start (Akka.Http.Shim 1.5.73 needs Ceen.Httpd 0.9.9, which is not
/// served; 0.9.10 lacks the method it calls). A hosted service of the node's host: it starts after the member and a
/// port in use fails the node's start.
/// </summary>
internal sealed class ManagementEndpoint(IServiceProvider node, string host, int port) : IHostedService, IAsyncDisposable
{
    public const string Section = "Management:Port";

    private WebApplication? _app;

    public async Task StartAsync(CancellationToken cancel)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            if (host is "0.0.0.0" or "*") k.ListenAnyIP(port);
            else if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)) k.ListenLocalhost(port);
            else k.Listen(IPAddress.Parse(host.Trim('[', ']')), port);
        });
        var app = builder.Build();
        var health = node.GetRequiredService<HealthCheckService>();
        app.MapGet(ClusterHealth.AlivePath, context => Report(context, health, ClusterHealth.LivenessTag));
        app.MapGet(ClusterHealth.ReadyPath, context => Report(context, health, ClusterHealth.ReadinessTag));
        await app.StartAsync(cancel);
        _app = app;
        node.GetRequiredService<ILoggerFactory>().CreateLogger("node")
            .LogInformation("Management: http://{Host}:{Port}{Alive} and {Ready}", host, port, ClusterHealth.AlivePath, ClusterHealth.ReadyPath);
    }

    private static async Task Report(HttpContext context, HealthCheckService health, string tag)
    {
        var report = await health.CheckHealthAsync(r => r.Tags.Contains(tag), context.RequestAborted);
        context.Response.StatusCode = report.Status == HealthStatus.Healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        }), context.RequestAborted);
    }

    public async Task StopAsync(CancellationToken cancel)
    {
        if (_app is not null) await _app.StopAsync(cancel);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
    }
}
