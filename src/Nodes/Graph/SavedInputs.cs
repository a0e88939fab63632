using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes.Ops;

namespace ActorGrad.Nodes.Graph;

/// <summary>A create-graph pass asks an op node for what its VJP rules need (PyTorch's saved tensors). In-process only.</summary>
internal sealed record SavedInputsRequest
{
    public static readonly SavedInputsRequest Instance = new();
}

/// <summary>The op, its attributes, its input values and its value, as the node kept them for its VJP.</summary>
internal sealed record SavedInputs(OpDefinition Op, OpAttributes Attributes, Tensor[] Inputs, Tensor Result);
