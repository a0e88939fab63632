using System.CommandLine;
using ActorGrad.Cli.Member;
using ActorGrad.Cluster;
using ActorGrad.Cluster.Gradients;
using ActorGrad.Cluster.Membership;
using Akka.Actor;
using Akka.Event;
using Akka.Hosting;
using Akka.Hosting.Logging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using AkkaCluster = Akka.Cluster.Cluster;

namespace ActorGrad.Cli.Commands;

/// <summary>
/// `actorgrad node`: one Akka.Cluster member as a long-running process on Akka.Hosting.
/// Configuration comes from appsettings.json (section "Node"), then ACTORGRAD_-prefixed environment
/// variables, then the command line. SIGTERM and Ctrl-C leave the cluster (CoordinatedShutdown).
/// Exit codes: 0 normal, 2 bad configuration (one line says why), 3 downed by the others.
/// </summary>
internal static class NodeCommand
{
    public static Command Create()
    {
        var port = new Option<int?>("--port") { Description = "TCP port to listen on (0 picks a free one; default 4051)." };
        var host = new Option<string?>("--host") { Description = "Address to listen on and to be reached at (default 127.0.0.1)." };
        var publicHost = new Option<string?>("--public-host") { Description = "IP address or DNS name the others reach this member at, if not --host (NAT, containers, a Kubernetes pod's DNS name)." };
        var seeds = new Option<string[]>("--seed") { Description = "HOST:PORT of a seed member (HOST: an IP address or a DNS name, written as that member's --public-host); repeat for several. None: this member forms a new cluster.", AllowMultipleArgumentsPerToken = false };
        var system = new Option<string?>("--system") { Description = "Actor system name, the same on every member (default actorgrad)." };
        var roles = new Option<string[]>("--role") { Description = "A role this member offers; repeat for several. A node is a gradient worker (role worker) unless given the role client." };
        var tlsCert = new Option<string?>("--tls-cert") { Description = "This member's certificate: PEM (with --tls-key) or PKCS#12 (.pfx/.p12). Members then talk mutual TLS." };
        var tlsKey = new Option<string?>("--tls-key") { Description = "PEM private key of --tls-cert." };
        var tlsPassword = new Option<string?>("--tls-password") { Description = "Password of a PKCS#12 --tls-cert (better: ACTORGRAD_Node__TlsCertificatePassword)." };
        var tlsCa = new Option<string?>("--tls-ca") { Description = "The cluster CA certificate (ca.pem from `actorgrad certs ca`): peers must be signed by it." };
        var insecure = new Option<bool>("--insecure") { Description = "Allow plain TCP on non-loopback addresses: no encryption, no authentication." };
        var config = new Option<string?>("--config") { Description = "An appsettings-style JSON file (default: appsettings.json in the working directory, if present)." };
        var managementPort = new Option<int?>("--management-port") { Description = "HTTP port of /health/alive (the member runs) and /health/ready (200 once it is Up), on --host. Default: none." };
        var discovery = new Option<string?>("--discovery") { Description = "How members find each other: seeds (default: --seed), config (Akka.Management's Cluster Bootstrap over --contact-point) or kubernetes (Cluster Bootstrap over the pods the Kubernetes API lists)." };
        var bootstrapPort = new Option<int?>("--bootstrap-port") { Description = "Cluster Bootstrap: Akka.Management's HTTP port, probed by the other members (default 8558)." };
        var contactPoints = new Option<string[]>("--contact-point") { Description = "HOST:BOOTSTRAP_PORT of a member, for --discovery config; repeat for each.", AllowMultipleArgumentsPerToken = false };
        var serviceName = new Option<string?>("--service-name") { Description = "Cluster Bootstrap's service name (Kubernetes: the pods' app label; default actorgrad)." };
        var requiredContactPoints = new Option<int?>("--required-contact-points") { Description = "Contact points Cluster Bootstrap must see before it forms a new cluster (default 2)." };
        var computeThreads = new Option<int?>("--compute-threads") { Description = "Threads one shard pass uses (default: every core .NET sees). Give each member its share when several run on one host." };
        var metrics = new Option<string?>("--metrics") { Description = "Export ActorGrad's metrics: none (default), prometheus:PORT (/metrics on --host) or otlp:URL (an OpenTelemetry collector)." };
        var command = new Command("node", "Run one cluster member until SIGTERM or Ctrl-C; logs a line per membership change.")
        {
            port, host, publicHost, seeds, system, roles, tlsCert, tlsKey, tlsPassword, tlsCa, insecure, config,
            managementPort, discovery, bootstrapPort, contactPoints, serviceName, requiredContactPoints, metrics, computeThreads,
        };
        command.SetAction((result, cancel) =>
        {
            var overrides = new Dictionary<string, string?>();
            void Set(string key, object? value) { if (value is not null) overrides[$"{ClusterMemberOptions.Section}:{key}"] = value.ToString(); }
            Set(nameof(ClusterMemberOptions.Port), result.GetValue(port));
            Set(nameof(ClusterMemberOptions.Host), result.GetValue(host));
            Set(nameof(ClusterMemberOptions.PublicHost), result.GetValue(publicHost));
            Set(nameof(ClusterMemberOptions.SystemName), result.GetValue(system));
            Set(nameof(ClusterMemberOptions.TlsCertificateFile), result.GetValue(tlsCert));
            Set(nameof(ClusterMemberOptions.TlsKeyFile), result.GetValue(tlsKey));
            Set(nameof(ClusterMemberOptions.TlsCertificatePassword), result.GetValue(tlsPassword));
            Set(nameof(ClusterMemberOptions.TlsCaFile), result.GetValue(tlsCa));
            if (result.GetValue(insecure)) Set(nameof(ClusterMemberOptions.Insecure), true);
            if (result.GetValue(managementPort) is { } mp) overrides[ManagementEndpoint.Section] = mp.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Set(nameof(ClusterMemberOptions.BootstrapPort), result.GetValue(bootstrapPort));
            Set(nameof(ClusterMemberOptions.Discovery), result.GetValue(discovery));
            Set(nameof(ClusterMemberOptions.ServiceName), result.GetValue(serviceName));
            Set(nameof(ClusterMemberOptions.RequiredContactPoints), result.GetValue(requiredContactPoints));
            Set(nameof(ClusterMemberOptions.ComputeThreads), result.GetValue(computeThreads));
            var contactList = result.GetValue(contactPoints) ?? [];
            for (var i = 0; i < contactList.Length; i++) Set($"{nameof(ClusterMemberOptions.ContactPoints)}:{i}", contactList[i]);
            if (result.GetValue(metrics) is { } export) overrides[MetricsExport.Section] = export;
            var seedList = result.GetValue(seeds) ?? [];
            for (var i = 0; i < seedList.Length; i++) Set($"{nameof(ClusterMemberOptions.Seeds)}:{i}", seedList[i]);
            var roleList = result.GetValue(roles) ?? [];
            for (var i = 0; i < roleList.Length; i++) Set($"{nameof(ClusterMemberOptions.Roles)}:{i}", roleList[i]);
            return RunAsync(overrides, result.GetValue(config), cancel);
        });
        return command;
    }

    /// <summary>The node's configuration sources, lowest precedence first: JSON file, ACTORGRAD_ environment, command line.</summary>
    /// <remarks>OpenTelemetry's own OTEL_* variables (OTEL_METRIC_EXPORT_INTERVAL, OTEL_EXPORTER_OTLP_HEADERS, ...) are kept under
    /// their names too: the exporters read them from the host's configuration.</remarks>
    internal static IConfigurationBuilder AddSources(IConfigurationBuilder configuration, string? configFile, IReadOnlyDictionary<string, string?> overrides) =>
        configuration
            .AddJsonFile(configFile is null ? Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json") : Path.GetFullPath(configFile), optional: configFile is null)
            .AddInMemoryCollection(Environment.GetEnvironmentVariables().Keys.OfType<string>()
                .Where(k => k.StartsWith("OTEL_", StringComparison.Ordinal))
                .Select(k => KeyValuePair.Create(k, Environment.GetEnvironmentVariable(k))))
            .AddEnvironmentVariables("ACTORGRAD_")
            .AddInMemoryCollection(overrides);

    /// <summary>The member options the configuration describes (binding errors, such as a port that is no number, throw).</summary>
    internal static ClusterMemberOptions Bind(IConfiguration configuration) =>
        configuration.GetSection(ClusterMemberOptions.Section).Get<ClusterMemberOptions>() ?? new ClusterMemberOptions();

    internal static async Task<int> RunAsync(IReadOnlyDictionary<string, string?> overrides, string? configFile, CancellationToken cancel)
    {
        if (configFile is not null && !File.Exists(configFile))
            return await BadConfiguration($"the configuration file '{configFile}' does not exist.");
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = Directory.GetCurrentDirectory() });
        ClusterMemberSettings settings;
        MetricsExport metrics;
        int? managementPort;
        try
        {
            AddSources(builder.Configuration, configFile, overrides);
            settings = Bind(builder.Configuration).Validate();
            metrics = MetricsExport.Parse(builder.Configuration[MetricsExport.Section]);
            managementPort = builder.Configuration.GetValue<int?>(ManagementEndpoint.Section);
            if (managementPort is < 1 or > 65535) throw new ArgumentException($"--management-port must be 1..65535, not {managementPort}.");
        }
        catch (Exception e) when (e is ArgumentException or FormatException or FileNotFoundException or InvalidOperationException or InvalidDataException)
        {
            return await BadConfiguration(e.Message);
        }

        // A node is a gradient worker (shards and parameter owners) unless it joins as a client.
        if (!settings.Roles.Contains(GradientRoles.Worker) && !settings.Roles.Contains(GradientRoles.Client))
            settings = settings with { Roles = [.. settings.Roles, GradientRoles.Worker] };
        ConfigureLogging(builder);
        builder.Services.AddSingleton<IHostLifetime, Microsoft.Extensions.Hosting.Internal.ConsoleLifetime>();
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        metrics.AddTo(builder.Services, settings);
        builder.Services.AddClusterMember(settings, (akka, _) =>
        {
            akka.ConfigureLoggers(l =>
            {
                l.ClearLoggers();
                l.AddLogger<LoggerFactoryLogger>();
            });
            akka.WithActors((actors, _) =>
            {
                actors.ActorOf(EchoActor.Props(), EchoActor.Name);
                actors.ActorOf(MembershipLog.Props(), MembershipLog.Name);
                AkkaCluster.Get(actors).RegisterOnMemberUp(() => actors.Log.Info("This member is Up"));
            });
            if (settings.Roles.Contains(GradientRoles.Worker)) akka.WithGradientService(computeThreads: settings.ComputeThreads);
        });
        if (managementPort is { } port)
        {
            builder.Services.AddHealthChecks(); // the service that runs the member's checks (ClusterHealth)
            builder.Services.AddHostedService(services => new ManagementEndpoint(services, settings.Host, port));
        }

        using var host = builder.Build();
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("node");
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        try
        {
            await host.StartAsync(cancel);
        }
        catch (Exception e)
        {
            // A port in use or a transport that cannot start: one clear line, no stack trace.
            return await BadConfiguration($"cannot start the member on {settings.Host}:{settings.Port}{PortsBeside(managementPort, settings, metrics)}: {Innermost(e).Message}");
        }
        if (host.Services.GetService<ActorSystem>() is not { } system || system.WhenTerminated.IsCompleted)
            return await BadConfiguration($"cannot start the member on {settings.Host}:{settings.Port} (see the log above).");
        var shutdown = CoordinatedShutdown.Get(system);
        // Downed by the others (or any other reason the system ends by itself): the process ends with it.
        _ = system.WhenTerminated.ContinueWith(_ => lifetime.StopApplication(), TaskScheduler.Default);
        lifetime.ApplicationStopping.Register(() =>
        {
            if (shutdown.ShutdownReason is null) logger.LogInformation("Leaving the cluster");
        });

        await host.WaitForShutdownAsync(CancellationToken.None);
        var reason = shutdown.ShutdownReason;
        var code = NodeExitCode.For(reason);
        if (code == NodeExitCode.DownedByCluster)
            logger.LogError("This member was downed by the cluster; stopping (exit {Code})", code);
        logger.LogInformation("Stopped ({Reason})", reason?.GetType().Name ?? "host stopped");
        return code;
    }

    private static void ConfigureLogging(HostApplicationBuilder builder)
    {
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
            o.ColorBehavior = LoggerColorBehavior.Disabled;
        });
    }

    /// <summary>The other ports the node listens on, for the one line that says why it could not start.</summary>
    private static string PortsBeside(int? managementPort, ClusterMemberSettings settings, MetricsExport metrics)
    {
        var ports = new List<string>();
        if (managementPort is { } m) ports.Add($"management port {m}");
        if (settings.Bootstrap is { } b) ports.Add($"bootstrap port {b.Port}");
        if (metrics.Exporter == MetricsExport.Kind.Prometheus) ports.Add($"metrics port {metrics.Port}");
        return ports.Count == 0 ? "" : $" ({string.Join(", ", ports)})";
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }

    private static async Task<int> BadConfiguration(string reason)
    {
        await Console.Error.WriteLineAsync($"actorgrad node: {reason}");
        return NodeExitCode.BadConfiguration;
    }
}
