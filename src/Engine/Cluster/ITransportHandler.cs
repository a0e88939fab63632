using ActorGrad.Protocol.Wire;

namespace ActorGrad.Engine.Cluster;

/// <summary>What the transport tells the cluster core.</summary>
internal interface ITransportHandler
{
    /// <summary>A frame arrived after the handshake, on a connection authenticated as <paramref name="peer"/>.</summary>
    void OnFrame(MemberAddress peer, DecodedFrame frame);

    /// <summary>A frame could not be sent (no connection, or the peer was quarantined): its message goes to dead letters.</summary>
    void OnUndelivered(in OutboundFrame frame, string reason);

    /// <summary>A new incarnation authenticated at an address where <paramref name="previous"/> lived.</summary>
    void OnNewIncarnation(MemberAddress previous, MemberAddress current);
}
