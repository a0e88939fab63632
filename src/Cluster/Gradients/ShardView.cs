using ActorGrad.Engine.Tensors;
using ActorGrad.Protocol.Tensors;

namespace ActorGrad.Cluster.Gradients;

/// <summary>
/// A shard of a batch tensor as a message payload, without a copy: the examples start..start+size along a batch axis
/// with only unit dimensions before it, which are one contiguous block of the batch's storage. Its values are read
/// from the batch when the message is serialized (or, for a worker in this process, when it copies them into its
/// session), so the batch must not change while its job runs.
/// </summary>
internal sealed class ShardView : ITensorPayload
{
    private readonly Tensor _batch;
    private readonly int[] _dimensions;
    private readonly int _offset;
    private readonly int _length;

    private ShardView(Tensor batch, int[] dimensions, int offset, int length)
    {
        _batch = batch;
        _dimensions = dimensions;
        _offset = offset;
        _length = length;
    }

    /// <summary>The shard as a view when its examples are contiguous in <paramref name="batch"/>, else as a copy (<see cref="TensorOps.Slice"/>).</summary>
    public static ITensorPayload Of(Tensor batch, int axis, int start, int size)
    {
        ObjectDisposedException.ThrowIf(batch.IsDisposed, batch);
        var shape = batch.Shape;
        if ((uint)axis >= (uint)shape.Length || start < 0 || size < 0 || start + size > shape[axis])
            return TensorOps.Slice(batch, axis, start, size); // its checks say what is wrong
        var outer = 1;
        for (var i = 0; i < axis; i++) outer *= shape[i];
        if (outer != 1) return TensorOps.Slice(batch, axis, start, size);
        var inner = batch.Length / Math.Max(shape[axis], 1);
        var dimensions = shape.AsSpan().ToArray();
        dimensions[axis] = size;
        return new ShardView(batch, dimensions, start * inner, size * inner);
    }

    public ReadOnlySpan<int> Dimensions => _dimensions;

    public ReadOnlySpan<float> Values => _batch.Span.Slice(_offset, _length);

    public override string ToString() => $"ShardView[{string.Join(", ", _dimensions)}]";
}
