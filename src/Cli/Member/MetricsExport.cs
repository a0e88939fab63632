using System.Net;
using ActorGrad.Cluster;
using ActorGrad.Cluster.Metrics;
using ActorGrad.Nodes.Graph;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace ActorGrad.Cli.Member;

/// <summary>
/// Where `actorgrad node` exports ActorGrad's metrics (the libraries' System.Diagnostics.Metrics meters, through
/// OpenTelemetry): `prometheus:PORT` serves /metrics over HTTP on the node's host, `otlp:URL` pushes to a collector
/// (OTLP/gRPC, or OTLP/HTTP when the URL's path ends in /v1/metrics), `none` exports nothing (the default).
/// Configuration key Metrics:Export (ACTORGRAD_Metrics__Export, or --metrics).
/// </summary>
internal sealed record MetricsExport(MetricsExport.Kind Exporter, int Port = 0, Uri? Endpoint = null)
{
    public const string Section = "Metrics:Export";

    public enum Kind { None, Prometheus, Otlp }

    public static readonly MetricsExport None = new(Kind.None);

    /// <summary>Parses the setting; a bad one throws ArgumentException with a one-line message.</summary>
    public static MetricsExport Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Trim().Equals("none", StringComparison.OrdinalIgnoreCase)) return None;
        var colon = text.IndexOf(':');
        var (kind, value) = colon < 0 ? (text.Trim(), "") : (text[..colon].Trim(), text[(colon + 1)..].Trim());
        switch (kind.ToLowerInvariant())
        {
            case "prometheus" when int.TryParse(value, out var port) && port is >= 1 and <= 65535:
                return new MetricsExport(Kind.Prometheus, port);
            case "prometheus":
                throw new ArgumentException($"--metrics prometheus:PORT needs a port 1..65535, not '{value}'.");
            case "otlp" when Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https":
                return new MetricsExport(Kind.Otlp, Endpoint: uri);
            case "otlp":
                throw new ArgumentException($"--metrics otlp:URL needs an http(s) URL of an OTLP collector, not '{value}'.");
            default:
                throw new ArgumentException($"--metrics must be none, prometheus:PORT or otlp:URL, not '{text}'.");
        }
    }

    /// <summary>The host the Prometheus listener binds: the node's, or every interface ("*") for a wildcard address.</summary>
    public static string ListenHost(string host) =>
        host is "0.0.0.0" or "::" or "[::]" ? "*"
        : IPAddress.TryParse(host, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{host}]" : host;

    /// <summary>Adds OpenTelemetry's metrics pipeline for ActorGrad's meters with this exporter; nothing for <see cref="Kind.None"/>.</summary>
    public void AddTo(IServiceCollection services, ClusterMemberSettings member)
    {
        if (Exporter == Kind.None) return;
        _ = NodeMetrics.LiveNodes; // creates the nodes' meter now, so the live-node gauge is exported from the start (at 0)
        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("actorgrad", serviceInstanceId: $"{member.PublicHost ?? member.Host}:{member.Port}"))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter([.. ClusterMetrics.AllMeterNames]);
                if (Exporter == Kind.Prometheus)
                    metrics.AddPrometheusHttpListener(o =>
                    {
                        o.Host = ListenHost(member.Host);
                        o.Port = Port;
                    });
                else
                    metrics.AddOtlpExporter(o =>
                    {
                        o.Endpoint = Endpoint!;
                        o.Protocol = Endpoint!.AbsolutePath.EndsWith("/v1/metrics", StringComparison.Ordinal)
                            ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
                    });
            });
    }
}
