namespace ActorGrad.Protocol.Wire;

/// <summary>A frame read off the wire: its header, the tensor that followed it (if any) and its size on the wire.</summary>
public sealed record DecodedFrame(Frame Header, WireTensor? Tensor, int WireBytes);
