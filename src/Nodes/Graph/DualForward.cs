using ActorGrad.Engine.Tensors;

namespace ActorGrad.Nodes.Graph;

/// <summary>
/// Forward mode: an activation with its tangent, to the consumer's input <paramref name="Slot"/>
/// (the <see cref="Protocol.Nodes.Forward"/> of a node that has a tangent). In-process only: node
/// actors of one session exchange it, it never crosses the wire.
/// </summary>
internal sealed record DualForward(int Slot, Tensor Value, Tensor Tangent);
