using System.CommandLine;
using ActorGrad.Cli.Node;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace ActorGrad.Cli.Commands;

/// <summary>
/// `actorgrad node`: one cluster member as a long-running process on Microsoft.Extensions.Hosting.
/// Configuration comes from appsettings.json (section "Node"), then ACTORGRAD_-prefixed environment
/// variables, then the command line. Stops cleanly (leaving the cluster) on SIGTERM and Ctrl-C.
/// </summary>
internal static class NodeCommand
{
    public static Command Create()
    {
        var port = new Option<int?>("--port") { Description = "TCP port to listen on (0 picks a free one; default 4051)." };
        var host = new Option<string?>("--host") { Description = "Address to listen on and to be reached at (default 127.0.0.1)." };
        var seeds = new Option<string[]>("--seed") { Description = "host:port of a seed node; repeat for several. None: this node forms a new cluster.", AllowMultipleArgumentsPerToken = false };
        var secretFile = new Option<string?>("--secret-file") { Description = "File holding the cluster's shared secret (never sent over the wire)." };
        var system = new Option<string?>("--system") { Description = "Actor system name (default actorgrad)." };
        var clusterName = new Option<string?>("--cluster-name") { Description = "Cluster name; members of other clusters are refused (default actorgrad)." };
        var roles = new Option<string[]>("--role") { Description = "A role this member offers; repeat for several." };
        var tlsCert = new Option<string?>("--tls-cert") { Description = "PEM certificate (with --tls-key) or PKCS#12 file: members then talk TLS and must present this certificate." };
        var tlsKey = new Option<string?>("--tls-key") { Description = "PEM private key of --tls-cert." };
        var config = new Option<string?>("--config") { Description = "An appsettings-style JSON file (default: appsettings.json in the working directory, if present)." };
        var command = new Command("node", "Run one cluster member until SIGTERM or Ctrl-C; logs a line per membership change.")
        {
            port, host, seeds, secretFile, system, clusterName, roles, tlsCert, tlsKey, config,
        };
        command.SetAction((result, cancel) =>
        {
            var overrides = new Dictionary<string, string?>();
            void Set(string key, object? value) { if (value is not null) overrides[$"{NodeOptions.Section}:{key}"] = value.ToString(); }
            Set(nameof(NodeOptions.Port), result.GetValue(port));
            Set(nameof(NodeOptions.Host), result.GetValue(host));
            Set(nameof(NodeOptions.SecretFile), result.GetValue(secretFile));
            Set(nameof(NodeOptions.SystemName), result.GetValue(system));
            Set(nameof(NodeOptions.ClusterName), result.GetValue(clusterName));
            Set(nameof(NodeOptions.TlsCertificateFile), result.GetValue(tlsCert));
            Set(nameof(NodeOptions.TlsKeyFile), result.GetValue(tlsKey));
            var seedList = result.GetValue(seeds) ?? [];
            for (var i = 0; i < seedList.Length; i++) Set($"{nameof(NodeOptions.Seeds)}:{i}", seedList[i]);
            var roleList = result.GetValue(roles) ?? [];
            for (var i = 0; i < roleList.Length; i++) Set($"{nameof(NodeOptions.Roles)}:{i}", roleList[i]);
            return RunAsync(overrides, result.GetValue(config), cancel);
        });
        return command;
    }

    /// <summary>The node's configuration sources, lowest precedence first: JSON file, ACTORGRAD_ environment, command line.</summary>
    internal static IConfigurationBuilder AddSources(IConfigurationBuilder configuration, string? configFile, IReadOnlyDictionary<string, string?> overrides) =>
        configuration
            .AddJsonFile(configFile is null ? Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json") : Path.GetFullPath(configFile), optional: configFile is null)
            .AddEnvironmentVariables("ACTORGRAD_")
            .AddInMemoryCollection(overrides);

    internal static async Task<int> RunAsync(IReadOnlyDictionary<string, string?> overrides, string? configFile, CancellationToken cancel)
    {
        if (configFile is not null && !File.Exists(configFile))
        {
            await Console.Error.WriteLineAsync($"actorgrad node: the configuration file '{configFile}' does not exist.");
            return 2;
        }
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = Directory.GetCurrentDirectory() });
        AddSources(builder.Configuration, configFile, overrides);
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
            o.ColorBehavior = LoggerColorBehavior.Disabled;
        });
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.Services.AddSingleton<IHostLifetime, Microsoft.Extensions.Hosting.Internal.ConsoleLifetime>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(15));
        builder.Services.Configure<NodeOptions>(builder.Configuration.GetSection(NodeOptions.Section));
        builder.Services.AddSingleton<NodeExit>();
        builder.Services.AddHostedService<NodeService>();

        using var host = builder.Build();
        var exit = host.Services.GetRequiredService<NodeExit>();
        try
        {
            await host.RunAsync(cancel);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or FileNotFoundException or InvalidOperationException or IOException or System.Net.Sockets.SocketException)
        {
            // A bad configuration or a port in use: one clear line, no stack trace.
            await Console.Error.WriteLineAsync($"actorgrad node: {e.Message}");
            return 2;
        }
        return exit.Code;
    }
}
