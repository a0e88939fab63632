using System.Security.Cryptography.X509Certificates;

namespace ActorGrad.Cluster.Lanes;

/// <summary>
/// The lane's one trust rule: a peer's certificate must chain to the cluster CA, and only to it (the
/// machine's own trust store plays no part). Host names are not checked, as with Akka.Remote's TLS default:
/// members are identified by holding a certificate the cluster CA signed.
/// </summary>
internal static class LaneCertificates
{
    public static bool IsSignedBy(X509Certificate2? certificate, X509Certificate2 ca)
    {
        if (certificate is null) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (!chain.Build(certificate)) return false;
        var root = chain.ChainElements[^1].Certificate;
        return root.RawDataMemory.Span.SequenceEqual(ca.RawDataMemory.Span);
    }
}
