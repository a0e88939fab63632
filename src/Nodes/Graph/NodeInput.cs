using ActorGrad.Engine.Actors;
using ActorGrad.Engine.Tensors;

namespace ActorGrad.Nodes.Graph;

/// <summary>
/// One input slot of an op node: an actor it subscribes to (and, when <see cref="Differentiable"/>,
/// sends VJPs back to), or a value known when the op was recorded (a constant, or the value of a
/// node that has already stopped).
/// </summary>
internal readonly record struct NodeInput(IActorRef? Source, Tensor? KnownValue, bool Differentiable)
{
    public static NodeInput FromActor(IActorRef source, bool differentiable) => new(source, null, differentiable);
    public static NodeInput FromValue(Tensor value) => new(null, value, false);
}
