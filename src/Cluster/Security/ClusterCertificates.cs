using System.Security.Cryptography.X509Certificates;

namespace ActorGrad.Cluster.Security;

/// <summary>Reads the files a member's TLS needs: its own certificate with key (PEM pair or PKCS#12) and the cluster CA.</summary>
public static class ClusterCertificates
{
    /// <summary>
    /// The member's certificate with its private key: a .pfx/.p12 file (with an optional password), or a PEM
    /// certificate with a PEM key file. Every problem is one exception whose message names the file.
    /// </summary>
    public static X509Certificate2 LoadMember(string certificateFile, string? keyFile, string? password)
    {
        RequireFile(certificateFile, "member certificate");
        X509Certificate2 certificate;
        try
        {
            if (IsPkcs12(certificateFile))
            {
                if (keyFile is not null) throw new ArgumentException($"'{certificateFile}' is PKCS#12 and carries its own key: drop the key file '{keyFile}'.");
                certificate = X509CertificateLoader.LoadPkcs12FromFile(certificateFile, password);
            }
            else
            {
                if (keyFile is null) throw new ArgumentException($"The PEM certificate '{certificateFile}' needs its private key: pass --tls-key FILE (Node:TlsKeyFile).");
                RequireFile(keyFile, "member key");
                using var pem = X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
                // Re-imported as PKCS#12: SslStream wants a key it can use on every platform, not an ephemeral one.
                certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
            }
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw new ArgumentException($"Cannot read the member certificate '{certificateFile}'{(keyFile is null ? "" : $" with key '{keyFile}'")}: {e.Message}", e);
        }
        if (!certificate.HasPrivateKey) throw new ArgumentException($"The member certificate '{certificateFile}' has no private key.");
        return certificate;
    }

    /// <summary>The cluster CA certificate (PEM or DER), the only root a member trusts.</summary>
    public static X509Certificate2 LoadCa(string caFile)
    {
        RequireFile(caFile, "cluster CA certificate");
        try { return X509CertificateLoader.LoadCertificateFromFile(caFile); }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw new ArgumentException($"Cannot read the cluster CA certificate '{caFile}': {e.Message}", e);
        }
    }

    /// <summary>The CA with its private key (ca.pem + ca.key), to sign member certificates.</summary>
    public static X509Certificate2 LoadCaForSigning(string caFile, string caKeyFile)
    {
        RequireFile(caFile, "cluster CA certificate");
        RequireFile(caKeyFile, "cluster CA key");
        try { return X509Certificate2.CreateFromPemFile(caFile, caKeyFile); }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw new ArgumentException($"Cannot read the cluster CA '{caFile}' with key '{caKeyFile}': {e.Message}", e);
        }
    }

    private static bool IsPkcs12(string file) =>
        file.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) || file.EndsWith(".p12", StringComparison.OrdinalIgnoreCase);

    private static void RequireFile(string file, string what)
    {
        if (!File.Exists(file)) throw new FileNotFoundException($"The {what} file '{file}' does not exist.", file);
    }
}
