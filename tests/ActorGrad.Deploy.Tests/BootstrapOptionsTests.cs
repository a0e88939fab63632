using ActorGrad.Cluster;
using ActorGrad.Cluster.Management;

namespace ActorGrad.Deploy.Tests;

/// <summary>The node's Cluster Bootstrap options, validated into settings or refused with one line.</summary>
public class BootstrapOptionsTests
{
    [Fact]
    public void SeedsAreTheDefaultAndNeedNoBootstrap() =>
        Assert.Null(new ClusterMemberOptions { Port = 0, Seeds = ["127.0.0.1:4051"] }.Validate().Bootstrap);

    [Fact]
    public void KubernetesDiscoveryBootstrapsOnTheManagementPortByName()
    {
        var settings = new ClusterMemberOptions { Host = "127.0.0.1", Discovery = "Kubernetes", ServiceName = "grad" }.Validate();
        var bootstrap = Assert.IsType<BootstrapSettings>(settings.Bootstrap);
        Assert.Equal(ClusterDiscovery.Kubernetes, bootstrap.Discovery);
        Assert.Equal(8558, bootstrap.Port);
        Assert.Equal("grad", bootstrap.ServiceName);
        Assert.Equal("management", bootstrap.PortName);
        Assert.Equal(2, bootstrap.RequiredContactPoints);
    }

    [Fact]
    public void ConfigDiscoveryTakesItsContactPoints()
    {
        var bootstrap = new ClusterMemberOptions
        {
            Discovery = "config", BootstrapPort = 9001, ContactPoints = ["127.0.0.1:9001", "127.0.0.1:9002", ""], RequiredContactPoints = 1,
        }.Validate().Bootstrap!;
        Assert.Equal([new HostPort("127.0.0.1", 9001), new HostPort("127.0.0.1", 9002)], bootstrap.ContactPoints);
        Assert.Equal(9001, bootstrap.Port);
        Assert.Equal("127.0.0.1", bootstrap.PublicHost);
    }

    [Theory]
    [InlineData("config", null, 8558, 2, "--discovery config needs the contact points")]
    [InlineData("kubernetes", "127.0.0.1:4051", 8558, 2, "--seed and --discovery kubernetes exclude each other")]
    [InlineData("kubernetes", null, 0, 2, "--bootstrap-port must be 1..65535")]
    [InlineData("kubernetes", null, 8558, 0, "RequiredContactPoints must be at least 1")]
    [InlineData("dns", null, 8558, 2, "--discovery must be seeds, config or kubernetes, not 'dns'")]
    public void BadBootstrapOptionsAreRefused(string discovery, string? seed, int port, int required, string message)
    {
        var options = new ClusterMemberOptions
        {
            Discovery = discovery, BootstrapPort = port, RequiredContactPoints = required, Seeds = seed is null ? [] : [seed],
        };
        Assert.Contains(message, Assert.Throws<ArgumentException>(() => options.Validate()).Message);
    }
}
