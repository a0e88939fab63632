using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ActorGrad.Cluster.Security;

/// <summary>
/// Makes a cluster's own CA and the member certificates it signs (`actorgrad certs`). Members trust
/// this CA alone (see <see cref="ClusterCaValidator"/>), never the machine's certificate store.
/// Keys are ECDSA P-256; member certificates serve as TLS server and client (mutual TLS).
/// </summary>
public static class ClusterCertificateAuthority
{
    public static X509Certificate2 CreateCa(string name, TimeSpan validity)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={name}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now + validity);
    }

    /// <summary>A member certificate signed by <paramref name="ca"/> (which must carry its private key), for the given host names and IPs.</summary>
    public static X509Certificate2 IssueMember(X509Certificate2 ca, string name, IEnumerable<string> hosts, TimeSpan validity)
    {
        using var caKey = ca.GetECDsaPrivateKey() ?? throw new ArgumentException($"The CA certificate '{ca.Subject}' has no ECDSA private key to sign with.");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={name}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1", "serverAuth"), new Oid("1.3.6.1.5.5.7.3.2", "clientAuth")], critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        var names = new SubjectAlternativeNameBuilder();
        foreach (var host in hosts)
        {
            if (IPAddress.TryParse(host, out var ip)) names.AddIpAddress(ip);
            else names.AddDnsName(host);
        }
        request.CertificateExtensions.Add(names.Build());
        var now = DateTimeOffset.UtcNow;
        var notAfter = now + validity < ca.NotAfter ? now + validity : new DateTimeOffset(ca.NotAfter.ToUniversalTime());
        using var signed = request.Create(ca.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), now.AddMinutes(-5), notAfter, RandomNumberGenerator.GetBytes(16));
        return signed.CopyWithPrivateKey(key);
    }

    /// <summary>Writes the certificate as PEM and its private key as PKCS#8 PEM (readable by the owner only).</summary>
    public static void WritePem(X509Certificate2 certificate, string certificateFile, string keyFile)
    {
        using var key = (AsymmetricAlgorithm?)certificate.GetECDsaPrivateKey() ?? certificate.GetRSAPrivateKey()
            ?? throw new ArgumentException($"The certificate '{certificate.Subject}' has no private key to write.");
        File.WriteAllText(certificateFile, certificate.ExportCertificatePem() + "\n");
        WriteSecret(keyFile, key.ExportPkcs8PrivateKeyPem() + "\n");
    }

    /// <summary>Writes certificate and key as one PKCS#12 file (readable by the owner only).</summary>
    public static void WritePfx(X509Certificate2 certificate, string file, string? password)
    {
        var bytes = certificate.Export(X509ContentType.Pkcs12, password);
        File.WriteAllBytes(file, bytes);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    private static void WriteSecret(string file, string text)
    {
        File.WriteAllText(file, text);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }
}
