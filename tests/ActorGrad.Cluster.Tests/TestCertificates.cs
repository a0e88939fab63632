using System.Security.Cryptography.X509Certificates;
using ActorGrad.Cluster.Security;

namespace ActorGrad.Cluster.Tests;

/// <summary>A test's own CA in a temporary directory, and PEM member certificates it signs, as `actorgrad certs` writes them.</summary>
internal sealed class TestCertificates
{
    private readonly string _dir;
    private readonly X509Certificate2 _signer;

    public TestCertificates(string parent, string name)
    {
        _dir = Directory.CreateDirectory(Path.Combine(parent, name)).FullName;
        using var ca = ClusterCertificateAuthority.CreateCa(name, TimeSpan.FromDays(1));
        CaFile = Path.Combine(_dir, "ca.pem");
        ClusterCertificateAuthority.WritePem(ca, CaFile, Path.Combine(_dir, "ca.key"));
        _signer = ClusterCertificates.LoadCaForSigning(CaFile, Path.Combine(_dir, "ca.key"));
    }

    public string CaFile { get; }

    /// <summary>Writes NAME.pem and NAME.key for a member on loopback.</summary>
    public (string Cert, string Key) Member(string name)
    {
        using var certificate = ClusterCertificateAuthority.IssueMember(_signer, name, ["127.0.0.1", "localhost"], TimeSpan.FromDays(1));
        var (cert, key) = (Path.Combine(_dir, name + ".pem"), Path.Combine(_dir, name + ".key"));
        ClusterCertificateAuthority.WritePem(certificate, cert, key);
        return (cert, key);
    }

    /// <summary>`actorgrad node` arguments for a member of this CA.</summary>
    public string[] NodeArgs(string name)
    {
        var (cert, key) = Member(name);
        return ["--tls-cert", cert, "--tls-key", key, "--tls-ca", CaFile];
    }

    /// <summary>Makes in-test member options a member of this CA.</summary>
    public Action<ClusterMemberOptions> Tester(string name)
    {
        var (cert, key) = Member(name);
        return o => (o.TlsCertificateFile, o.TlsKeyFile, o.TlsCaFile) = (cert, key, CaFile);
    }
}
