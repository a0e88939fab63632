using Akka.Actor;

namespace ActorGrad.Nodes.Graph;

/// <summary>
/// The parent of one session's node actors: spawns them for the pool when it runs dry, and stops
/// them all when the session ends (stopping the parent stops its children). A node actor that
/// throws is stopped, not restarted: a node's state cannot be rebuilt from its Props.
/// </summary>
internal sealed class NodeSupervisor : UntypedActor
{
    private readonly Props _nodeProps;

    public NodeSupervisor(NodePool pool, string dispatcher) =>
        _nodeProps = Props.Create(() => new NodeActor(pool, null)).WithDispatcher(dispatcher);

    /// <summary>Asks for one more idle node actor; the reply is its IActorRef.</summary>
    public sealed record SpawnNode
    {
        public static readonly SpawnNode Instance = new();
    }

    protected override void OnReceive(object message)
    {
        if (message is SpawnNode) Sender.Tell(Context.ActorOf(_nodeProps), Self);
        else Unhandled(message);
    }

    protected override SupervisorStrategy SupervisorStrategy() => Akka.Actor.SupervisorStrategy.StoppingStrategy;
}
