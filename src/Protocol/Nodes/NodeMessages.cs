using ActorGrad.Protocol.Tensors;

namespace ActorGrad.Protocol.Nodes;

/// <summary>
/// The closed set of messages between graph nodes, their handles and a backward pass's tracker.
/// No message names an actor: who is meant is always the envelope's sender, so the same records
/// travel unchanged between processes.
/// </summary>
public abstract record NodeMessage;

// ---- forward ----

/// <summary>
/// The sender consumes this node's value at its input <paramref name="Slot"/>: send it a <see cref="Forward"/>.
/// With <paramref name="SendValue"/> false the sender already has the value (it was published when the
/// op was recorded) and only registers as a consumer, which keeps this node alive for its gradients.
/// </summary>
public sealed record Subscribe(int Slot, bool SendValue = true) : NodeMessage;

/// <summary>The sender no longer consumes this node (it stopped): a node with no consumers and no handle stops.</summary>
public sealed record Unsubscribe : NodeMessage;

/// <summary>An activation: the value of the input at <paramref name="Slot"/>.</summary>
public sealed record Forward(int Slot, ITensorPayload Value) : NodeMessage;

/// <summary>The input at <paramref name="Slot"/> could not compute its value.</summary>
public sealed record ForwardFailed(int Slot, Exception Cause) : NodeMessage;

/// <summary>Asks for the node's value; the reply is a <see cref="ValueReply"/> (or a failure).</summary>
public sealed record ValueRequest : NodeMessage;

public sealed record ValueReply(ITensorPayload Value) : NodeMessage;

// ---- backward ----

/// <summary>
/// Opens a backward pass at this node: <paramref name="ExpectedGradients"/> VJPs will arrive on it
/// (one per counted edge from a consumer on the root's path). The sender tracks the pass.
/// </summary>
public sealed record PreparePass(long PassId, int ExpectedGradients, bool RetainGraph) : NodeMessage;

/// <summary>A vector-Jacobian product flowing backward into this node on pass <paramref name="PassId"/>.</summary>
public sealed record Gradient(long PassId, ITensorPayload Value) : NodeMessage;

/// <summary>A leaf has taken its gradient for the pass.</summary>
public sealed record LeafReported(long PassId) : NodeMessage;

/// <summary>A node could not do its part of the pass; the pass fails with <paramref name="Cause"/>.</summary>
public sealed record PassFailed(long PassId, Exception Cause) : NodeMessage;

/// <summary>The pass is over (failed): drop whatever is buffered for it.</summary>
public sealed record AbortPass(long PassId) : NodeMessage;

// ---- gradients and parameters ----

/// <summary>How a leaf takes the gradient of a pass (MXNet's grad_req).</summary>
public enum GradReq { Add, Write, Null }

/// <summary>Asks for the node's gradient; the reply is a <see cref="GradReply"/> with a copy, or null before any pass reached it.</summary>
public sealed record GradRequest : NodeMessage;

public sealed record GradReply(ITensorPayload? Grad) : NodeMessage;

/// <summary>Zeroes the gradient (PyTorch's x.grad.zero_()).</summary>
public sealed record ZeroGrad : NodeMessage;

/// <summary>A non-leaf keeps its gradient on later passes (PyTorch's retain_grad()).</summary>
public sealed record RetainGrad : NodeMessage;

/// <summary>Gradient descent on a parameter: value -= LearningRate * grad.</summary>
public sealed record SgdStep(float LearningRate) : NodeMessage;

/// <summary>The user's handle to this node is gone: stop once no consumer needs the node either.</summary>
public sealed record HandleReleased : NodeMessage;
