using System.Text;
using Akka.Cluster.Hosting;
using Akka.Event;
using Akka.Cluster.Hosting.SBR;
using Akka.Hosting;
using Akka.Remote.Hosting;
using ActorGrad.Cluster.Lanes;
using ActorGrad.Cluster.Management;
using ActorGrad.Cluster.Membership;
using ActorGrad.Protocol.Serialization;
using Microsoft.Extensions.DependencyInjection;

namespace ActorGrad.Cluster;

/// <summary>
/// One Akka.Hosting extension that makes an ActorSystem a cluster member: Akka.Remote (DotNetty TCP,
/// mutual TLS against the cluster CA when configured), Akka.Cluster with its seeds and roles, and the
/// split brain resolver (keep-majority) as the only downing. Used by `actorgrad node`, by the tests
/// and by users' own programs.
/// </summary>
public static class ClusterMemberHosting
{
    /// <summary>Adds an ActorSystem named after the settings, configured as a member, plus whatever <paramref name="configure"/> adds.</summary>
    public static IServiceCollection AddClusterMember(this IServiceCollection services, ClusterMemberSettings settings,
        Action<AkkaConfigurationBuilder, IServiceProvider>? configure = null) =>
        services.AddAkka(settings.SystemName, (builder, provider) =>
        {
            builder.WithClusterMember(settings);
            configure?.Invoke(builder, provider);
        });

    public static AkkaConfigurationBuilder WithClusterMember(this AkkaConfigurationBuilder builder, ClusterMemberSettings settings)
    {
        builder.WithRemoting(RemoteOptionsOf(settings));
        builder.WithClustering(new ClusterOptions
        {
            SeedNodes = settings.SeedNodeAddresses.ToArray(),
            Roles = settings.Roles.ToArray(),
            // Downing is the split brain resolver's, keep-majority; never auto-down.
            SplitBrainResolver = new KeepMajorityOption(),
        });
        // What Akka.Hosting has no API for: clocks (the failure detector's too, kept in one place), shutdown, port reuse.
        builder.AddHocon(HoconBeyondHosting(settings), HoconAddMode.Prepend);
        // Strict MessagePack for every ActorGrad message, no JSON fallback (Protocol/Serialization).
        builder.WithActorGradSerialization();
        // Tensors between members take the lane beside Akka.Remote, secured like the member (Cluster/Lanes).
        builder.WithTensorLane(LaneSettingsOf(settings));
        // Liveness and readiness checks for whoever serves them (actorgrad node --management-port, a user's ASP.NET Core app).
        builder.WithClusterHealthChecks();
        // Cluster Bootstrap (Akka.Management) finds the members instead of the seeds, when asked for.
        if (settings.Bootstrap is { } bootstrap) builder.WithClusterBootstrap(bootstrap);
        // A member the others have removed and quarantined stops, even if it never heard it was downed (Membership/QuarantineWatch).
        builder.WithActors((system, _) => system.ActorOf(QuarantineWatch.Props(), QuarantineWatch.Name));
        builder.AddStartup((system, _) =>
        {
            var cluster = Akka.Cluster.Cluster.Get(system);
            var self = cluster.SelfUniqueAddress;
            system.Log.Info("Listening on {0}:{1} uid={2} as {3}; seeds: {4}",
                self.Address.Host, self.Address.Port, self.Uid, self.Address,
                settings.Bootstrap is { } b ? $"found by Cluster Bootstrap ({b.Discovery} discovery of '{b.ServiceName}', endpoint {b.PublicHost}:{b.Port})"
                : settings.Seeds.Count == 0 ? "none (this member forms the cluster)" : string.Join(", ", settings.Seeds));
            system.Log.Info("{0}", settings.DescribeSecurity());
            // Without seeds (and without bootstrap, which decides whom to join) this member forms a new cluster: it joins itself.
            if (settings.Seeds.Count == 0 && settings.Bootstrap is null) cluster.Join(self.Address);
        });
        return builder;
    }

    /// <summary>The lane speaks what Akka.Remote speaks: mutual TLS with the member's certificate and CA, or plain TCP where the member may.</summary>
    private static TensorLaneSettings LaneSettingsOf(ClusterMemberSettings settings) => settings.Tls is { } tls
        ? new TensorLaneSettings { Hostname = settings.Host, Certificate = tls.Certificate, CertificateAuthority = tls.Validator.Ca, SharedMemory = settings.SharedMemoryLane }
        : new TensorLaneSettings { Hostname = settings.Host, AllowPlaintext = true, SharedMemory = settings.SharedMemoryLane };

    private static RemoteOptions RemoteOptionsOf(ClusterMemberSettings settings)
    {
        var remote = new RemoteOptions
        {
            HostName = settings.Host,
            Port = settings.Port,
            PublicHostName = settings.PublicHost,
            MaxFrameSize = settings.MaximumFrameSize,
        };
        if (settings.Tls is { } tls)
        {
            remote.EnableSsl = true;
            remote.Ssl = new SslOptions
            {
                X509Certificate = tls.Certificate,
                SuppressValidation = false,
                RequireMutualAuthentication = true,
                // Members are known by their CA, not by DNS: a certificate names a member, not an address.
                ValidateCertificateHostname = false,
                CustomValidator = tls.Validator.Callback,
            };
        }
        return remote;
    }

    private static string HoconBeyondHosting(ClusterMemberSettings s)
    {
        var hocon = new StringBuilder();
        // The host drives shutdown (SIGTERM -> host stop -> CoordinatedShutdown, leaving the cluster);
        // Akka's own signal hook would race it and end the process before the member has left.
        hocon.AppendLine("akka.coordinated-shutdown.run-by-clr-shutdown-hook = off");
        // .NET's ReuseAddress is SO_REUSEPORT on Linux: a second member could bind the same port and take
        // half of the connections. A port in use must fail the start instead.
        hocon.AppendLine("akka.remote.dot-netty.tcp.tcp-reuse-addr = off");
        void Set(string path, TimeSpan? value)
        {
            if (value is { } t) hocon.AppendLine($"{path} = {(long)Math.Ceiling(t.TotalMilliseconds)}ms");
        }
        Set("akka.cluster.failure-detector.heartbeat-interval", s.HeartbeatInterval);
        Set("akka.cluster.failure-detector.acceptable-heartbeat-pause", s.AcceptableHeartbeatPause);
        Set("akka.cluster.split-brain-resolver.stable-after", s.StableAfter);
        Set("akka.cluster.gossip-interval", s.GossipInterval);
        Set("akka.cluster.leader-actions-interval", s.LeaderActionsInterval);
        Set("akka.cluster.unreachable-nodes-reaper-interval", s.UnreachableNodesReaperInterval);
        return hocon.ToString();
    }
}
