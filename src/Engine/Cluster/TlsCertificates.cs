using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace ActorGrad.Engine.Cluster;

/// <summary>
/// Optional TLS between members. Every member presents the cluster's certificate; a peer is trusted
/// when it presents that same certificate, or one the system trusts. The handshake's HMAC still runs
/// inside TLS, so the secret check does not depend on certificates.
/// </summary>
internal static class TlsCertificates
{
    public static X509Certificate2? Load(ClusterSettings settings)
    {
        if (settings.TlsCertificateFile is not { } file) return null;
        if (!File.Exists(file)) throw new FileNotFoundException($"The TLS certificate file '{file}' does not exist.", file);
        try
        {
            return settings.TlsKeyFile is { } key
                ? X509Certificate2.CreateFromPemFile(file, key)
                : X509CertificateLoader.LoadPkcs12FromFile(file, settings.TlsCertificatePassword);
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw new ArgumentException($"Cannot load the TLS certificate from '{file}': {e.Message}", e);
        }
    }

    public static bool Validate(X509Certificate2 own, X509Certificate? presented, SslPolicyErrors errors)
    {
        if (presented is null) return false;
        if (errors == SslPolicyErrors.None) return true;
        return presented.GetCertHashString() == own.GetCertHashString();
    }
}
