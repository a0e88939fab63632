using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Akka.Event;
using Akka.Remote.Transport.DotNetty;

namespace ActorGrad.Cluster.Security;

/// <summary>
/// Accepts a TLS peer (inbound or outbound) only when its certificate chains to the cluster CA, and
/// logs every refusal. Akka.Remote's own chain check trusts the machine's store (or thumbprints);
/// this callback (Akka's supported CustomValidator hook) trusts exactly one root: the cluster's.
/// Host names are not checked: members are known by their CA, not by DNS.
/// </summary>
public sealed class ClusterCaValidator(X509Certificate2 ca)
{
    public X509Certificate2 Ca { get; } = ca;

    public CertificateValidationCallback Callback => Validate;

    private bool Validate(X509Certificate2? certificate, X509Chain? chain, string remotePeer, SslPolicyErrors errors, ILoggingAdapter? log)
    {
        var problem = certificate is null ? "presented no certificate" : Check(certificate);
        if (problem is null) return true;
        log?.Warning("TLS peer {0} refused: certificate {1} issued by '{2}' {3}",
            remotePeer, certificate is null ? "-" : Describe(certificate), certificate?.Issuer ?? "-", problem);
        return false;
    }

    /// <summary>Null when <paramref name="certificate"/> chains to the cluster CA and is valid now; otherwise why not.</summary>
    public string? Check(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Ca);
        // The cluster CA publishes no revocation list: a member is revoked by replacing the CA.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain.Build(certificate)) return null;
        var reasons = chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct();
        return $"is not signed by the cluster CA {Describe(Ca)} ({string.Join("; ", reasons)})";
    }

    /// <summary>Subject and a short SHA-256 thumbprint: two CAs may share a name.</summary>
    public static string Describe(X509Certificate2 certificate) =>
        $"'{certificate.Subject}' (SHA-256 {certificate.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256)[..16]})";
}
