using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes.Graph;
using Akka.Actor;

namespace ActorGrad.TestKit;

/// <summary>One input slot of an op node spawned by a test: usually a probe standing in for the input node.</summary>
public readonly record struct GraphInput
{
    private GraphInput(NodeInput input) => Input = input;

    internal NodeInput Input { get; }

    /// <summary>An input actor (a probe) the node subscribes to and, if <paramref name="differentiable"/>, sends VJPs back to.</summary>
    public static GraphInput From(IActorRef source, bool differentiable = true) =>
        new(NodeInput.FromActor(source ?? throw new ArgumentNullException(nameof(source)), differentiable));

    /// <summary>An input whose value was published when the op was recorded: the node only registers as its consumer.</summary>
    public static GraphInput Published(IActorRef source, Tensor value) =>
        new(NodeInput.FromPublished(source ?? throw new ArgumentNullException(nameof(source)), value ?? throw new ArgumentNullException(nameof(value))));

    /// <summary>A constant: no actor, no edge.</summary>
    public static GraphInput Constant(Tensor value) => new(NodeInput.FromValue(value ?? throw new ArgumentNullException(nameof(value))));
}
