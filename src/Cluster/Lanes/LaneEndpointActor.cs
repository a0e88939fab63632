using Akka.Actor;
using Akka.Cluster;

namespace ActorGrad.Cluster.Lanes;

/// <summary>
/// At /system/tensor-lane on every member: answers a peer's question for this member's lane port, and tells
/// the lane when a member leaves the cluster so its sending end closes. Asking, rather than a fixed offset from
/// the remoting port, lets the lane take any free port (port 0 in tests, several members per host) and keeps
/// the remoting port free to be anything. The question and answer are a string and an int: Akka's primitive
/// serializer carries them, whatever else the cluster's serialization is set to.
/// </summary>
internal sealed class LaneEndpointActor : ReceiveActor
{
    public const string Name = "tensor-lane";
    public const string PortQuery = "actorgrad.tensor-lane/port?";

    public LaneEndpointActor(TensorLane lane, int port)
    {
        Receive<string>(q => q == PortQuery, _ => Sender.Tell(port));
        Receive<ClusterEvent.MemberRemoved>(removed => lane.PeerRemoved(removed.Member.Address));
    }

    protected override void PreStart()
    {
        if (Context.System is ExtendedActorSystem { Provider: Akka.Cluster.ClusterActorRefProvider })
            Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.MemberRemoved));
    }

    protected override void PostStop()
    {
        if (Context.System is ExtendedActorSystem { Provider: Akka.Cluster.ClusterActorRefProvider })
            Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);
    }

    public static Props Props(TensorLane lane, int port) => Akka.Actor.Props.Create(() => new LaneEndpointActor(lane, port));
}
