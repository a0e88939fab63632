using ActorGrad.Engine.Tensors;
using ActorGrad.Protocol.Tensors;

namespace ActorGrad.Cluster.Gradients;

/// <summary>
/// The ownership rule for tensors a gradient actor receives in a message: values decoded from the wire are the
/// receiver's (adopted without a copy: it disposes them when done, which gives their storage back to the pool for the
/// next step's message of the same size); a payload that is a live tensor (a sender in this process, which gave the
/// message object itself) stays its sender's and is never disposed by the receiver.
/// </summary>
internal static class ReceivedTensors
{
    /// <summary>The tensor to read; <paramref name="owned"/> says whether the receiver must dispose it when done.</summary>
    public static Tensor Read(ITensorPayload payload, out bool owned)
    {
        var tensor = Tensor.From(payload);
        owned = !ReferenceEquals(tensor, payload);
        return tensor;
    }

    /// <summary>A tensor the receiver owns and may write: the decoded values, or a copy of a live tensor.</summary>
    public static Tensor Own(ITensorPayload payload) => payload is Tensor live ? live.Clone() : Tensor.From(payload);

    /// <summary>Disposes the tensors that <paramref name="owned"/> marks (the rest are someone else's).</summary>
    public static void Release(IReadOnlyList<Tensor> tensors, IReadOnlyList<bool> owned)
    {
        for (var i = 0; i < tensors.Count; i++)
            if (owned[i]) tensors[i].Dispose();
    }
}
