using ActorGrad.Cluster.Security;
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

    /// <summary>A CA in its own directory and PEM member certificates it signs, as `actorgrad certs` writes them.</summary>
    private (string Ca, Func<string, (string Cert, string Key)> Member) MakeCa(string name)
    {
        var dir = Directory.CreateDirectory(Path.Combine(_dir, name)).FullName;
        using var ca = ClusterCertificateAuthority.CreateCa(name, TimeSpan.FromDays(1));
        var caFile = Path.Combine(dir, "ca.pem");
        ClusterCertificateAuthority.WritePem(ca, caFile, Path.Combine(dir, "ca.key"));
        var signer = X509Copy(ca);
        return (caFile, member =>
        {
            using var certificate = ClusterCertificateAuthority.IssueMember(signer, member, ["127.0.0.1", "localhost"], TimeSpan.FromDays(1));
            var (cert, key) = (Path.Combine(dir, member + ".pem"), Path.Combine(dir, member + ".key"));
            ClusterCertificateAuthority.WritePem(certificate, cert, key);
            return (cert, key);
        });
    }

    private static System.Security.Cryptography.X509Certificates.X509Certificate2 X509Copy(System.Security.Cryptography.X509Certificates.X509Certificate2 c) =>
        System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12(c.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pkcs12), null);

    private static string[] TlsArgs(string ca, (string Cert, string Key) member) =>
        ["--tls-cert", member.Cert, "--tls-key", member.Key, "--tls-ca", ca];

    [Fact]
    public async Task Members_of_the_cluster_ca_talk_tls_and_a_member_of_another_ca_is_refused_and_logged()
    {
        var (ca, member) = MakeCa("cluster-ca");
        var a = await StartNode("a", extra: TlsArgs(ca, member("a")));
        Assert.StartsWith("akka.ssl.tcp://", a.Address);
        Assert.Contains(a.Lines, l => l.Contains("Transport: TLS with mutual authentication") && l.Contains("cluster-ca"));
        var b = await StartNode("b", a, extra: TlsArgs(ca, member("b")));
        var testerFiles = member("tester");
        var tester = await StartTester(a, o => (o.TlsCertificateFile, o.TlsKeyFile, o.TlsCaFile) = (testerFiles.Cert, testerFiles.Key, ca));
        await tester.WaitUntilAllUp(a, b);
        var echoB = await tester.EchoOf(b);
        Assert.Equal("over tls", await echoB.Ask<string>("over tls", Bound));

        var (otherCa, otherMember) = MakeCa("other-ca");
        var intruder = await StartNode("intruder", a, extra: TlsArgs(otherCa, otherMember("intruder")));
        var refusal = await a.WaitForLineAsync(l => l.Contains("TLS peer") && l.Contains("refused") && l.Contains("CN=intruder"), "a refuses the intruder's certificate");
        Assert.Contains("is not signed by the cluster CA 'CN=cluster-ca'", refusal);
        // Akka stops a member whose TLS handshake failed; the node says its TLS files are wrong (exit 2).
        Assert.Equal(2, await intruder.WaitForExitAsync());
        Assert.DoesNotContain(intruder.Lines, l => l.Contains("This member is Up"));
        Assert.DoesNotContain(a.Lines, l => l.Contains("Membership:") && l.Contains(intruder.Address));
        Assert.DoesNotContain(tester.Cluster.State.Members, m => m.Address.Port == intruder.Port);

        // The cluster is unharmed.
        Assert.Equal("still here", await echoB.Ask<string>("still here", Bound));
        await tester.WaitUntilAllUp(a, b);
    }

    [Fact]
    public async Task A_member_whose_own_certificate_is_not_from_its_ca_does_not_start()
    {
        var (ca, _) = MakeCa("cluster-ca");
        var (_, otherMember) = MakeCa("other-ca");
        var node = await StartFailingNode("mismatch", ["--port", "0", .. TlsArgs(ca, otherMember("mismatch"))]);
        Assert.Equal(2, await node.WaitForExitAsync());
        Assert.Contains(node.Lines, l => l.StartsWith("actorgrad node: ") && l.Contains("is not signed by the cluster CA 'CN=cluster-ca'"));
    }
}
