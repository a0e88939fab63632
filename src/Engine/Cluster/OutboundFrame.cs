using ActorGrad.Protocol.Tensors;
using ActorGrad.Protocol.Wire;

namespace ActorGrad.Engine.Cluster;

/// <summary>A frame waiting in a peer's queue, with its size estimate for back-pressure accounting.</summary>
internal readonly record struct OutboundFrame(Frame Header, ITensorPayload? Tensor, long Bytes, object? DeadLetterMessage, Actors.IActorRef? Sender, Actors.IActorRef? Recipient)
{
    public static OutboundFrame Control(Frame header) => new(header, null, header.CalculateSize() + WireProtocol.PrefixBytes, null, null, null);

    /// <summary>The frame is written out or will never be: its pooled tensor copy goes back.</summary>
    public void Done() => (Tensor as PooledTensorCopy)?.Release();
}
