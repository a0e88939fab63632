using ActorGrad.Cli.Commands;
using ActorGrad.Cluster;
using ActorGrad.Cluster.Security;
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

    private static ClusterMemberOptions Load(string? file, Dictionary<string, string?> overrides) =>
        NodeCommand.Bind(NodeCommand.AddSources(new ConfigurationBuilder(), file, overrides).Build());

    [Fact]
    public void Arguments_override_the_environment_which_overrides_the_file()
    {
        var file = Path.Combine(_dir, "node.json");
        File.WriteAllText(file, """{ "Node": { "Port": 5000, "Host": "127.0.0.2", "SystemName": "from-file", "Seeds": [ "127.0.0.1:5001" ], "StableAfter": "00:00:07", "Roles": [ "grad" ] } }""");
        SetVariable("ACTORGRAD_Node__SystemName", "from-env");
        SetVariable("ACTORGRAD_Node__Port", "6000");
        var options = Load(file, new() { ["Node:Port"] = "7000" });
        Assert.Equal(7000, options.Port);                 // argument
        Assert.Equal("from-env", options.SystemName);     // environment
        Assert.Equal("127.0.0.2", options.Host);          // file
        Assert.Equal(["127.0.0.1:5001"], options.Seeds);
        Assert.Equal(["grad"], options.Roles);
        Assert.Equal(TimeSpan.FromSeconds(7), options.StableAfter);
    }

    [Fact]
    public void Shared_memory_for_the_lane_is_on_unless_the_configuration_turns_it_off()
    {
        Assert.True(Load(null, []).Validate().SharedMemoryLane);
        SetVariable("ACTORGRAD_Node__SharedMemoryLane", "false");
        Assert.False(Load(null, []).Validate().SharedMemoryLane);
    }

    [Fact]
    public void Settings_name_every_problem_in_one_line()
    {
        var badSeed = Assert.Throws<FormatException>(() => new ClusterMemberOptions { Seeds = ["no-port"] }.Validate());
        Assert.Contains("'no-port' is not host:port", badSeed.Message);
        var badPort = Assert.Throws<FormatException>(() => new ClusterMemberOptions { Seeds = ["127.0.0.1:0"] }.Validate());
        Assert.Contains("1..65535", badPort.Message);
        var badName = Assert.Throws<ArgumentException>(() => new ClusterMemberOptions { SystemName = "a b" }.Validate());
        Assert.Contains("'a b' is not a valid actor system name", badName.Message);
        var badClock = Assert.Throws<ArgumentException>(() => new ClusterMemberOptions { StableAfter = TimeSpan.Zero }.Validate());
        Assert.Contains("StableAfter must be positive", badClock.Message);
        var badThreads = Assert.Throws<ArgumentException>(() => new ClusterMemberOptions { ComputeThreads = 0 }.Validate());
        Assert.Contains("--compute-threads (Node:ComputeThreads) must be 1..1024, not 0", badThreads.Message);
        Assert.Equal(1, new ClusterMemberOptions { ComputeThreads = 1 }.Validate().ComputeThreads);
        Assert.Null(new ClusterMemberOptions().Validate().ComputeThreads);

        var settings = new ClusterMemberOptions { Port = 4100, Seeds = ["127.0.0.1:4101", ""], Roles = ["grad", " "] }.Validate();
        Assert.Equal([new HostPort("127.0.0.1", 4101)], settings.Seeds);
        Assert.Equal(["akka.tcp://actorgrad@127.0.0.1:4101"], settings.SeedNodeAddresses);
        Assert.Equal(4100, settings.Port);
        Assert.Equal(["grad"], settings.Roles);
    }

    [Fact]
    public void Plain_tcp_needs_loopback_everywhere_or_an_explicit_insecure()
    {
        Assert.Equal(TransportSecurity.LoopbackPlainTcp, new ClusterMemberOptions { Host = "localhost", Seeds = ["[::1]:4051"] }.Validate().Security);
        var outside = Assert.Throws<ArgumentException>(() => new ClusterMemberOptions { Host = "0.0.0.0" }.Validate());
        Assert.Contains("Plain TCP is only allowed when every address is loopback (0.0.0.0 is not)", outside.Message);
        var seedOutside = Assert.Throws<ArgumentException>(() => new ClusterMemberOptions { Seeds = ["10.0.0.5:4051"] }.Validate());
        Assert.Contains("10.0.0.5 is not", seedOutside.Message);
        var insecure = new ClusterMemberOptions { Host = "0.0.0.0", Insecure = true }.Validate();
        Assert.Equal(TransportSecurity.InsecurePlainTcp, insecure.Security);
        Assert.Contains("--insecure", insecure.DescribeSecurity());
    }

    [Fact]
    public void Tls_needs_a_member_certificate_with_key_signed_by_the_given_ca()
    {
        using var ca = ClusterCertificateAuthority.CreateCa("test CA", TimeSpan.FromDays(1));
        var caFile = Path.Combine(_dir, "ca.pem");
        ClusterCertificateAuthority.WritePem(ca, caFile, Path.Combine(_dir, "ca.key"));
        using var member = ClusterCertificateAuthority.IssueMember(ca, "m1", ["127.0.0.1"], TimeSpan.FromDays(1));
        var (cert, key) = (Path.Combine(_dir, "m1.pem"), Path.Combine(_dir, "m1.key"));
        ClusterCertificateAuthority.WritePem(member, cert, key);
        var pfx = Path.Combine(_dir, "m1.pfx");
        ClusterCertificateAuthority.WritePfx(member, pfx, "pw");

        var tls = new ClusterMemberOptions { Host = "10.0.0.5", TlsCertificateFile = cert, TlsKeyFile = key, TlsCaFile = caFile }.Validate();
        Assert.Equal(TransportSecurity.MutualTls, tls.Security);
        Assert.Equal("akka.ssl.tcp", tls.Protocol);
        Assert.True(tls.Tls!.Certificate.HasPrivateKey);
        Assert.Equal(TransportSecurity.MutualTls, new ClusterMemberOptions { TlsCertificateFile = pfx, TlsCertificatePassword = "pw", TlsCaFile = caFile }.Validate().Security);

        var noKey = Assert.Throws<ArgumentException>(() => new ClusterMemberOptions { TlsCertificateFile = cert, TlsCaFile = caFile }.Validate());
        Assert.Contains("needs its private key", noKey.Message);
        var noCa = Assert.Throws<ArgumentException>(() => new ClusterMemberOptions { TlsCertificateFile = cert, TlsKeyFile = key }.Validate());
        Assert.Contains("--tls-ca", noCa.Message);
        var wrongPassword = Assert.Throws<ArgumentException>(() => new ClusterMemberOptions { TlsCertificateFile = pfx, TlsCertificatePassword = "no", TlsCaFile = caFile }.Validate());
        Assert.Contains("m1.pfx", wrongPassword.Message);
        var both = Assert.Throws<ArgumentException>(() => new ClusterMemberOptions { TlsCertificateFile = cert, TlsKeyFile = key, TlsCaFile = caFile, Insecure = true }.Validate());
        Assert.Contains("exclude each other", both.Message);

        using var otherCa = ClusterCertificateAuthority.CreateCa("other CA", TimeSpan.FromDays(1));
        var otherCaFile = Path.Combine(_dir, "other-ca.pem");
        ClusterCertificateAuthority.WritePem(otherCa, otherCaFile, Path.Combine(_dir, "other-ca.key"));
        var foreign = Assert.Throws<ArgumentException>(() => new ClusterMemberOptions { TlsCertificateFile = cert, TlsKeyFile = key, TlsCaFile = otherCaFile }.Validate());
        Assert.Contains("is not signed by the cluster CA 'CN=other CA'", foreign.Message);
    }

    [Fact]
    public async Task A_named_configuration_file_that_does_not_exist_is_an_error()
    {
        var code = await NodeCommand.RunAsync(new Dictionary<string, string?>(), Path.Combine(_dir, "missing.json"), CancellationToken.None);
        Assert.Equal(2, code);
    }

    [Fact]
    public async Task Certs_writes_a_ca_and_members_it_signed_and_refuses_to_overwrite()
    {
        Assert.Equal(0, await Program.BuildRoot().Parse(["certs", "ca", "--out", _dir, "--name", "ops CA"]).InvokeAsync());
        Assert.Equal(0, await Program.BuildRoot().Parse(["certs", "member", "n1", "--ca-dir", _dir, "--host", "10.0.0.5"]).InvokeAsync());
        Assert.Equal(0, await Program.BuildRoot().Parse(["certs", "member", "n2", "--ca-dir", _dir, "--pfx", "--password", "pw"]).InvokeAsync());
        Assert.Equal(2, await Program.BuildRoot().Parse(["certs", "ca", "--out", _dir]).InvokeAsync());
        Assert.Equal(2, await Program.BuildRoot().Parse(["certs", "member", "n3", "--ca-dir", Path.Combine(_dir, "nowhere")]).InvokeAsync());

        var ca = ClusterCertificates.LoadCa(Path.Combine(_dir, "ca.pem"));
        var validator = new ClusterCaValidator(ca);
        var n1 = ClusterCertificates.LoadMember(Path.Combine(_dir, "n1.pem"), Path.Combine(_dir, "n1.key"), null);
        var n2 = ClusterCertificates.LoadMember(Path.Combine(_dir, "n2.pfx"), null, "pw");
        Assert.Null(validator.Check(n1));
        Assert.Null(validator.Check(n2));
        Assert.Equal("CN=n1", n1.Subject);
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dir, "ca.key")));
    }
}
