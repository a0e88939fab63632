using System.CommandLine;
using ActorGrad.Cluster.Security;

namespace ActorGrad.Cli.Commands;

/// <summary>
/// `actorgrad certs`: a cluster's own CA (`certs ca`) and the member certificates it signs
/// (`certs member`), for `actorgrad node --tls-cert ... --tls-key ... --tls-ca ...`.
/// Exit codes: 0 written, 2 bad arguments or unreadable/existing files (one line says why).
/// </summary>
internal static class CertsCommand
{
    public static Command Create() => new("certs", "Make the cluster CA and member certificates for mutual TLS between members.")
    {
        CreateCa(),
        CreateMember(),
    };

    private static Command CreateCa()
    {
        var output = new Option<string>("--out") { Description = "Directory to write ca.pem and ca.key to (default: the current directory).", DefaultValueFactory = _ => "." };
        var name = new Option<string>("--name") { Description = "The CA's common name (default: actorgrad cluster CA).", DefaultValueFactory = _ => "actorgrad cluster CA" };
        var days = new Option<int>("--days") { Description = "Validity in days (default 3650).", DefaultValueFactory = _ => 3650 };
        var command = new Command("ca", "Make a new cluster CA: ca.pem (give to every member) and ca.key (keep secret; signs members).") { output, name, days };
        command.SetAction(result => Run(() =>
        {
            var dir = Directory.CreateDirectory(result.GetValue(output)!).FullName;
            var (pem, key) = (Path.Combine(dir, "ca.pem"), Path.Combine(dir, "ca.key"));
            RefuseToOverwrite(pem, key);
            using var ca = ClusterCertificateAuthority.CreateCa(result.GetValue(name)!, Days(result.GetValue(days)));
            ClusterCertificateAuthority.WritePem(ca, pem, key);
            Console.WriteLine($"Wrote {pem} and {key} ('{ca.Subject}', valid until {ca.NotAfter:yyyy-MM-dd}).");
        }));
        return command;
    }

    private static Command CreateMember()
    {
        var name = new Argument<string>("name") { Description = "The member's name: its certificate's common name and file name." };
        var caDir = new Option<string>("--ca-dir") { Description = "Directory holding ca.pem and ca.key (default: the current directory).", DefaultValueFactory = _ => "." };
        var output = new Option<string?>("--out") { Description = "Directory to write to (default: --ca-dir)." };
        var hosts = new Option<string[]>("--host") { Description = "A DNS name or IP the member is reached at (subject alternative name); repeat for several." };
        var pfx = new Option<bool>("--pfx") { Description = "Write NAME.pfx (PKCS#12, key included) instead of NAME.pem and NAME.key." };
        var password = new Option<string?>("--password") { Description = "Password of the .pfx (with --pfx)." };
        var days = new Option<int>("--days") { Description = "Validity in days (default 825, never past the CA's).", DefaultValueFactory = _ => 825 };
        var command = new Command("member", "Make a member certificate signed by the cluster CA.") { name, caDir, output, hosts, pfx, password, days };
        command.SetAction(result => Run(() =>
        {
            var memberName = result.GetValue(name)!;
            if (memberName.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || memberName.Length == 0)
                throw new ArgumentException($"'{memberName}' cannot be a file name.");
            if (result.GetValue(password) is not null && !result.GetValue(pfx))
                throw new ArgumentException("--password protects a .pfx: add --pfx (PEM keys are written unencrypted, readable by the owner only).");
            var caDirectory = result.GetValue(caDir)!;
            using var ca = ClusterCertificates.LoadCaForSigning(Path.Combine(caDirectory, "ca.pem"), Path.Combine(caDirectory, "ca.key"));
            var dir = Directory.CreateDirectory(result.GetValue(output) ?? caDirectory).FullName;
            var hostNames = result.GetValue(hosts) is { Length: > 0 } given ? given : ["localhost", "127.0.0.1"];
            using var member = ClusterCertificateAuthority.IssueMember(ca, memberName, hostNames, Days(result.GetValue(days)));
            if (result.GetValue(pfx))
            {
                var file = Path.Combine(dir, memberName + ".pfx");
                RefuseToOverwrite(file);
                ClusterCertificateAuthority.WritePfx(member, file, result.GetValue(password));
                Console.WriteLine($"Wrote {file} ('{member.Subject}', signed by '{ca.Subject}').");
            }
            else
            {
                var (pem, key) = (Path.Combine(dir, memberName + ".pem"), Path.Combine(dir, memberName + ".key"));
                RefuseToOverwrite(pem, key);
                ClusterCertificateAuthority.WritePem(member, pem, key);
                Console.WriteLine($"Wrote {pem} and {key} ('{member.Subject}', signed by '{ca.Subject}').");
            }
        }));
        return command;
    }

    private static TimeSpan Days(int days) =>
        days > 0 ? TimeSpan.FromDays(days) : throw new ArgumentException($"--days must be positive, not {days}.");

    private static void RefuseToOverwrite(params string[] files)
    {
        foreach (var f in files)
            if (File.Exists(f)) throw new IOException($"'{f}' exists already; remove it or write elsewhere (--out).");
    }

    private static int Run(Action write)
    {
        try
        {
            write();
            return 0;
        }
        catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            Console.Error.WriteLine($"actorgrad certs: {e.Message}");
            return 2;
        }
    }
}
