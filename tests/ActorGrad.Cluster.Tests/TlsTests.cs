using Akka.Actor;
using Xunit.Abstractions;
using static ActorGrad.Cluster.Tests.ClusterTestSettings;

namespace ActorGrad.Cluster.Tests;

/// <summary>
/// Members talk mutual TLS and trust only the cluster CA: members with its certificates form a
/// cluster; one whose certificate another CA signed is refused, and the refusal is logged.
/// </summary>
public sealed class TlsTests(ITestOutputHelper output) : ClusterTest(output)
{
    private readonly string _dir = Directory.CreateTempSubdirectory("actorgrad-tls-").FullName;

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Members_of_the_cluster_ca_talk_tls_and_a_member_of_another_ca_is_refused_and_logged()
    {
        var ca = new TestCertificates(_dir, "cluster-ca");
        var a = await StartNode("a", extra: ca.NodeArgs("a"));
        Assert.StartsWith("akka.ssl.tcp://", a.Address);
        // Logged just after the listening line StartNode waits for: wait for it too, not just look.
        await a.WaitForLineAsync(l => l.Contains("Transport: TLS with mutual authentication") && l.Contains("cluster-ca"), "a says it talks mutual TLS");
        var b = await StartNode("b", a, extra: ca.NodeArgs("b"));
        var tester = await StartTester(a, ca.Tester("tester"));
        await tester.WaitUntilAllUp(a, b);
        var echoB = await tester.EchoOf(b);
        Assert.Equal("over tls", await echoB.Ask<string>("over tls", Bound));

        var otherCa = new TestCertificates(_dir, "other-ca");
        var intruder = await StartNode("intruder", a, extra: otherCa.NodeArgs("intruder"));
        var refusal = await a.WaitForLineAsync(l => l.Contains("TLS peer") && l.Contains("refused") && l.Contains("CN=intruder"), "a refuses the intruder's certificate");
        Assert.Contains("is not signed by the cluster CA 'CN=cluster-ca'", refusal);
        // Akka stops a member whose TLS handshake failed; the node says its TLS files are wrong (exit 2).
        Assert.Equal(2, await intruder.WaitForExitAsync());
        Assert.DoesNotContain(intruder.Lines, l => l.Contains("This member is Up"));
        Assert.DoesNotContain(a.Lines, l => l.Contains("Membership:") && l.Contains(intruder.Address));
        Assert.DoesNotContain(tester.Cluster.State.Members, m => m.Address.Port == intruder.Port);

        // A member without TLS gets nowhere either: its plain TCP handshake is no TLS handshake.
        var plain = await StartNode("plain", a);
        await a.WaitForLineAsync(l => l.Contains("TLS handshake failed") && l.Contains("not an SSL/TLS record"), "a rejects the plain TCP member");
        Assert.DoesNotContain(plain.Lines, l => l.Contains("This member is Up"));
        Assert.DoesNotContain(tester.Cluster.State.Members, m => m.Address.Port == plain.Port);

        // The cluster is unharmed.
        Assert.Equal("still here", await echoB.Ask<string>("still here", Bound));
        await tester.WaitUntilAllUp(a, b);
    }

    [Fact]
    public async Task A_member_whose_own_certificate_is_not_from_its_ca_does_not_start()
    {
        var ca = new TestCertificates(_dir, "cluster-ca");
        var (foreignCert, foreignKey) = new TestCertificates(_dir, "other-ca").Member("mismatch");
        var node = await StartFailingNode("mismatch", "--port", "0", "--tls-cert", foreignCert, "--tls-key", foreignKey, "--tls-ca", ca.CaFile);
        Assert.Equal(2, await node.WaitForExitAsync());
        Assert.Contains(node.Lines, l => l.StartsWith("actorgrad node: ") && l.Contains("is not signed by the cluster CA 'CN=cluster-ca'"));
    }
}
