using Akka.Actor;
using ActorGrad.Engine.Tensors;

namespace ActorGrad.Nodes.Graph;

/// <summary>
/// One input slot of an op node: an actor it subscribes to (and, when <see cref="Differentiable"/>,
/// sends VJPs back to), a value known when the op was recorded (a constant, or the value of a
/// node that has already stopped), or both: an actor whose value was already published, so the node
/// only registers as its consumer instead of waiting for a Forward. A known value may come with its
/// forward-mode tangent (<see cref="KnownTangent"/>).
/// </summary>
internal readonly record struct NodeInput(IActorRef? Source, Tensor? KnownValue, bool Differentiable, Tensor? KnownTangent = null)
{
    public static NodeInput FromActor(IActorRef source, bool differentiable) => new(source, null, differentiable);
    public static NodeInput FromValue(Tensor value, Tensor? tangent = null) => new(null, value, false, tangent);
    public static NodeInput FromPublished(IActorRef source, Tensor value, Tensor? tangent = null) => new(source, value, true, tangent);
}
