using ActorGrad.Cluster.Security;
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

/// <summary>A certificate authority for one benchmark run (the one `actorgrad certs` makes), and member certificates it signs.</summary>
internal sealed class BenchCa
{
    public X509Certificate2 Certificate { get; } = ClusterCertificateAuthority.CreateCa("actorgrad-bench-ca", TimeSpan.FromDays(1));

    public X509Certificate2 Member(string name) =>
        ClusterCertificateAuthority.IssueMember(Certificate, name, ["127.0.0.1", "localhost"], TimeSpan.FromHours(12));
}
