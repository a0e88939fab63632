using Akka.Event;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;

namespace ActorGrad.Cluster.Lanes;

/// <summary>The gRPC service: reads one peer's stream of frames and hands each to <see cref="LaneDelivery"/> in order.</summary>
internal sealed class LaneService(LaneDelivery delivery, ILoggingAdapter log)
{
    public async Task<LaneAck> Deliver(IAsyncStreamReader<LaneFrame> frames, ServerCallContext context)
    {
        var peer = context.Peer;
        log.Debug("Tensor lane: {0} opened a stream.", peer);
        try
        {
            while (await frames.MoveNext(context.CancellationToken).ConfigureAwait(false))
                delivery.Deliver(frames.Current, peer);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or InvalidDataException
                                       || (e is RpcException r && r.StatusCode != StatusCode.OK))
        {
            // The sender's side logs its half; this one says what the receiver saw. The stream is over either way.
            log.Warning("Tensor lane: the stream from {0} broke: {1}", peer, e.Message);
            throw;
        }
        log.Debug("Tensor lane: {0} closed its stream.", peer);
        return LaneAck.Instance;
    }
}

/// <summary>Declares <see cref="LaneService.Deliver"/> to gRPC (the code-first route: no generated base class).</summary>
internal sealed class LaneMethodProvider : IServiceMethodProvider<LaneService>
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<LaneService> context) =>
        context.AddClientStreamingMethod(LaneMethods.Deliver, [], (service, frames, call) => service.Deliver(frames, call));
}
