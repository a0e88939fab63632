using ActorGrad.Cli.Commands;
using ActorGrad.Cli.Node;
using Microsoft.Extensions.Configuration;

namespace ActorGrad.Cli.Tests;

/// <summary>`actorgrad node` reads appsettings.json, then ACTORGRAD_ environment variables, then its arguments; later wins.</summary>
public sealed class NodeConfigurationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("actorgrad-node-config-").FullName;
    private readonly List<string> _variables = [];

    public void Dispose()
    {
        foreach (var v in _variables) Environment.SetEnvironmentVariable(v, null);
        Directory.Delete(_dir, recursive: true);
    }

    private void SetVariable(string name, string value)
    {
        _variables.Add(name);
        Environment.SetEnvironmentVariable(name, value);
    }

    private static NodeOptions Load(string? file, Dictionary<string, string?> overrides)
    {
        var configuration = NodeCommand.AddSources(new ConfigurationBuilder(), file, overrides).Build();
        return configuration.GetSection(NodeOptions.Section).Get<NodeOptions>() ?? new NodeOptions();
    }

    [Fact]
    public void Arguments_override_the_environment_which_overrides_the_file()
    {
        var file = Path.Combine(_dir, "node.json");
        File.WriteAllText(file, """{ "Node": { "Port": 5000, "Host": "127.0.0.2", "ClusterName": "from-file", "Seeds": [ "127.0.0.1:5001" ], "DownUnreachableAfter": "00:00:07" } }""");
        SetVariable("ACTORGRAD_Node__ClusterName", "from-env");
        SetVariable("ACTORGRAD_Node__Port", "6000");
        var options = Load(file, new() { ["Node:Port"] = "7000" });
        Assert.Equal(7000, options.Port);                 // argument
        Assert.Equal("from-env", options.ClusterName);    // environment
        Assert.Equal("127.0.0.2", options.Host);          // file
        Assert.Equal(["127.0.0.1:5001"], options.Seeds);
        Assert.Equal(TimeSpan.FromSeconds(7), options.DownUnreachableAfter);
    }

    [Fact]
    public void Cluster_settings_need_a_readable_secret_and_well_formed_seeds()
    {
        var none = Assert.Throws<ArgumentException>(() => new NodeOptions().ToClusterSettings());
        Assert.Contains("--secret-file", none.Message);
        var missing = Assert.Throws<FileNotFoundException>(() => new NodeOptions { SecretFile = Path.Combine(_dir, "absent") }.ToClusterSettings());
        Assert.Contains("absent", missing.Message);

        var secret = Path.Combine(_dir, "secret");
        File.WriteAllText(secret, "  shared words\n");
        var badSeed = Assert.Throws<FormatException>(() => new NodeOptions { SecretFile = secret, Seeds = ["no-port"] }.ToClusterSettings());
        Assert.Contains("'no-port' is not host:port", badSeed.Message);

        var settings = new NodeOptions { SecretFile = secret, Port = 4100, Seeds = ["127.0.0.1:4101", ""], Roles = ["grad"] }.ToClusterSettings();
        Assert.Equal("shared words"u8.ToArray(), settings.Secret);
        Assert.Equal(["127.0.0.1:4101"], settings.Seeds);
        Assert.Equal(4100, settings.Port);
        Assert.Equal(["grad"], settings.Roles);
    }

    [Fact]
    public async Task A_named_configuration_file_that_does_not_exist_is_an_error()
    {
        var code = await NodeCommand.RunAsync(new Dictionary<string, string?>(), Path.Combine(_dir, "missing.json"), CancellationToken.None);
        Assert.Equal(2, code);
    }
}
