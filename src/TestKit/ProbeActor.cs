using System.Threading.Channels;
using ActorGrad.Engine.Actors;

namespace ActorGrad.TestKit;

/// <summary>The actor behind a TestProbe: queues every message for the test, and watches on request.</summary>
internal sealed class ProbeActor(ChannelWriter<Envelope> queue) : ActorBase
{
    internal sealed record WatchRequest(IActorRef Target, bool Watch);

    protected override void OnReceive(object message)
    {
        if (message is WatchRequest request)
        {
            if (request.Watch) Context.Watch(request.Target);
            else Context.Unwatch(request.Target);
            return;
        }
        queue.TryWrite(new Envelope(message, Sender));
    }
}
