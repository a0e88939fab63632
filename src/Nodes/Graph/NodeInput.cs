using Akka.Actor;
using ActorGrad.Engine.Tensors;

namespace ActorGrad.Nodes.Graph;

/// <summary>
/// One input slot of an op node: an actor it subscribes to (and, when <see cref="Differentiable"/>,
/// sends VJPs back to), a value known when the op was recorded (a constant, or the value of a
/// node that has already stopped), or both: an actor whose value was already published, so the node
/// only registers as its consumer instead of waiting for a Forward.
/// </summary>
internal readonly record struct NodeInput(IActorRef? Source, Tensor? KnownValue, bool Differentiable)
{
    public static NodeInput FromActor(IActorRef source, bool differentiable) => new(source, null, differentiable);
    public static NodeInput FromValue(Tensor value) => new(null, value, false);
    public static NodeInput FromPublished(IActorRef source, Tensor value) => new(source, value, true);
}
