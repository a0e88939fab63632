using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ActorGrad.Cluster.Lanes;
using ActorGrad.Protocol.Serialization;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;

namespace ActorGrad.Bench.ClusterBench;

/// <summary>
/// How both benchmark members are set up: Akka.Cluster on 127.0.0.1 over Akka.Remote's DotNetty TCP with the
/// frame and socket buffers raised to 80 MiB (so a 64 MiB message fits at all, for the reference figure), and
/// the tensor lane with mutual TLS from a CA made for this run; ActorGrad's messages go with its own serializer
/// (<see cref="WireSerialization"/>), as in the product.
/// </summary>
internal static class BenchMember
{
    public const string SystemName = "bench";
    public const string CaFile = "ca.cer";
    public const string PeerCertificateFile = "member-b.pfx";

    public static ActorSystemSetup Setup(X509Certificate2 ca, X509Certificate2 certificate, bool plaintextLane)
    {
        var config = ConfigurationFactory.ParseString("""
            akka.loglevel = WARNING
            akka.stdout-loglevel = WARNING
            akka.actor.provider = cluster
            akka.remote.dot-netty.tcp {
              hostname = 127.0.0.1
              port = 0
              maximum-frame-size = 80MiB
              send-buffer-size = 80MiB
              receive-buffer-size = 80MiB
            }
            akka.cluster.log-info = off
            """).WithFallback(WireSerialization.Config);
        // ActorGradSerializer is in the lane's CopyingSerializerIds by default: payloads are read into reused buffers.
        var lane = plaintextLane
            ? new TensorLaneSettings { AllowPlaintext = true }
            : new TensorLaneSettings { Certificate = certificate, CertificateAuthority = ca };
        return BootstrapSetup.Create().WithConfig(config).And(new TensorLaneSetup(lane));
    }
}

/// <summary>A certificate authority for one benchmark run, and member certificates it signs (ECDSA P-256).</summary>
internal sealed class BenchCa
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public BenchCa()
    {
        var request = new CertificateRequest("CN=actorgrad-bench-ca", _key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        Certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }

    public X509Certificate2 Certificate { get; }

    public X509Certificate2 Member(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));
        using var signed = request.Create(Certificate.SubjectName, X509SignatureGenerator.CreateForECDsa(_key),
            DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(12), RandomNumberGenerator.GetBytes(16));
        using var withKey = signed.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }
}
