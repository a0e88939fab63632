using Xunit.Abstractions;

namespace ActorGrad.Cluster.Tests;

/// <summary>`actorgrad node` with a bad configuration ends at once with exit code 2 and a one-line reason.</summary>
public sealed class ConfigurationTests(ITestOutputHelper output) : ClusterTest(output)
{
    private async Task ExitsWithReason(string name, string reason, params string[] args)
    {
        var node = await StartFailingNode(name, args);
        Assert.Equal(2, await node.WaitForExitAsync());
        Assert.Contains(node.Lines, l => l.StartsWith("actorgrad node: ") && l.Contains(reason));
        Assert.DoesNotContain(node.Lines, l => l.Contains("Listening on"));
    }

    [Fact]
    public async Task Bad_node_configuration_exits_2_with_the_reason()
    {
        await ExitsWithReason("bad-seed", "'nowhere' is not host:port", "--port", "0", "--seed", "nowhere");
        await ExitsWithReason("bad-port", "outside 0..65535", "--port", "70000");
        await ExitsWithReason("bad-system", "not a valid actor system name", "--port", "0", "--system", "no spaces");
        await ExitsWithReason("plain-tcp-outside", "Plain TCP is only allowed when every address is loopback", "--port", "0", "--seed", "192.0.2.1:4051");
        await ExitsWithReason("missing-cert", "does not exist", "--port", "0", "--tls-cert", "/nonexistent/a.pem", "--tls-key", "/nonexistent/a.key", "--tls-ca", "/nonexistent/ca.pem");
        await ExitsWithReason("cert-without-ca", "--tls-ca", "--port", "0", "--tls-cert", "/nonexistent/a.pem");
        await ExitsWithReason("missing-config", "does not exist", "--config", "/nonexistent/node.json");
    }

    [Fact]
    public async Task A_port_in_use_exits_2_and_never_shares_the_port()
    {
        var a = await StartNode("a");
        var second = await StartFailingNode("same-port", "--port", a.Port.ToString());
        Assert.Equal(2, await second.WaitForExitAsync());
        Assert.Contains(second.Lines, l => l.Contains($"actorgrad node: cannot start the member on 127.0.0.1:{a.Port}") && l.Contains("in use"));
        Assert.False(a.HasExited);
    }
}
