using Akka.Actor;

namespace ActorGrad.Cli.Member;

/// <summary>How `actorgrad node` ends: service managers restart on 3, and fix the configuration on 2.</summary>
internal static class NodeExitCode
{
    public const int Normal = 0;
    public const int BadConfiguration = 2;
    public const int DownedByCluster = 3;

    /// <summary>The exit code for the reason CoordinatedShutdown ran with (none, or the host stopped it: normal).</summary>
    public static int For(CoordinatedShutdown.Reason? reason) => reason switch
    {
        CoordinatedShutdown.ClusterDowningReason => DownedByCluster,
        // Our certificate was refused (or the peer's, by us) when joining: the TLS files are wrong.
        // (Akka.Remote's TlsHandshakeFailureReason is internal: known by name.)
        { } other when other.GetType().Name == "TlsHandshakeFailureReason" => BadConfiguration,
        _ => Normal,
    };
}
