using Grpc.Core;

namespace ActorGrad.Cluster.Lanes;

/// <summary>
/// The lane's one gRPC method, declared without a .proto: a client stream of frames from one member to
/// another, open for as long as the sending member has something to say to the receiving one. The frames
/// use our own marshaller (<see cref="LaneFrameCodec"/>): a tensor's bytes go into the gRPC message as they are.
/// </summary>
internal static class LaneMethods
{
    public const string ServiceName = "actorgrad.TensorLane";

    public static readonly Method<LaneFrame, LaneAck> Deliver = new(
        MethodType.ClientStreaming, ServiceName, "Deliver", LaneFrameCodec.FrameMarshaller, LaneFrameCodec.AckMarshaller);
}
