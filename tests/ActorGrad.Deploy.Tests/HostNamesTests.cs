using ActorGrad.Cluster;

namespace ActorGrad.Deploy.Tests;

/// <summary>
/// Members are reached by DNS names as well as IP addresses (a StatefulSet's pods: actorgrad-0.actorgrad.NS.svc...):
/// names are accepted for the seeds, the public host and the listening host, anything else is refused with one line.
/// </summary>
public class HostNamesTests
{
    [Theory]
    [InlineData("actorgrad-0.actorgrad.default.svc.cluster.local:4051", "actorgrad-0.actorgrad.default.svc.cluster.local")]
    [InlineData("node1:4051", "node1")]
    [InlineData("my_service:4051", "my_service")]
    [InlineData("10.0.0.5:4051", "10.0.0.5")]
    [InlineData("[fd00::5]:4051", "fd00::5")]
    public void SeedsMayBeNamesOrAddresses(string seed, string host)
    {
        var settings = new ClusterMemberOptions { Host = "0.0.0.0", PublicHost = "actorgrad-1.actorgrad.default.svc.cluster.local", Seeds = [seed], Insecure = true }.Validate();
        Assert.Equal(new HostPort(host, 4051), Assert.Single(settings.Seeds));
        Assert.Equal("actorgrad-1.actorgrad.default.svc.cluster.local", settings.PublicHost);
        Assert.Contains($"@{(host.Contains(':') ? $"[{host}]" : host)}:4051", Assert.Single(settings.SeedNodeAddresses));
    }

    [Fact]
    public void LocalhostIsLoopbackAndNeedsNoCertificates() =>
        Assert.Equal(TransportSecurity.LoopbackPlainTcp,
            new ClusterMemberOptions { PublicHost = "localhost", Seeds = ["localhost:4051"] }.Validate().Security);

    [Theory]
    [InlineData("$(POD_NAME).actorgrad.svc:4051", "unexpanded $(VARIABLE)")]
    [InlineData("actor grad:4051", "'actor grad' is neither an IP address nor a host name")]
    [InlineData("-node:4051", "'-node' is neither an IP address nor a host name")]
    [InlineData("node..local:4051", "'node..local' is neither an IP address nor a host name")]
    [InlineData("http://node:4051", "'http://node' is neither an IP address nor a host name")]
    public void BadSeedHostsAreRefused(string seed, string message)
    {
        var e = Assert.Throws<FormatException>(() => new ClusterMemberOptions { Seeds = [seed], Insecure = true }.Validate());
        Assert.Contains($"'{seed}' is not host:port: ", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void ALabelLongerThanDnsAllowsIsRefused()
    {
        var host = new string('a', 64) + ".svc";
        Assert.Contains("neither an IP address nor a host name",
            Assert.Throws<FormatException>(() => HostPort.Parse($"{host}:4051")).Message);
        Assert.Null(HostPort.ProblemWith(new string('a', 63) + ".svc"));
    }

    [Theory]
    [InlineData("$(POD_NAME).actorgrad.$(POD_NAMESPACE).svc.cluster.local", "--public-host (Node:PublicHost): ", "unexpanded $(VARIABLE)")]
    [InlineData("0.0.0.0", "--public-host 0.0.0.0 is an address to listen on, not one to be reached at", "")]
    [InlineData("::", "--public-host :: is an address to listen on", "")]
    [InlineData("a/b", "--public-host (Node:PublicHost): 'a/b' is neither", "")]
    public void BadPublicHostsAreRefused(string publicHost, string message, string detail)
    {
        var e = Assert.Throws<ArgumentException>(() => new ClusterMemberOptions { Host = "0.0.0.0", PublicHost = publicHost, Insecure = true }.Validate());
        Assert.Contains(message, e.Message);
        Assert.Contains(detail, e.Message);
    }

    [Fact]
    public void ABadListeningHostIsRefused() =>
        Assert.Contains("--host (Node:Host): 'node 1' is neither",
            Assert.Throws<ArgumentException>(() => new ClusterMemberOptions { Host = "node 1", Insecure = true }.Validate()).Message);
}
