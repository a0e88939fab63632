using ActorGrad.Engine.Tensors;
using ActorGrad.Protocol.Tensors;

namespace ActorGrad.Engine.Cluster;

/// <summary>
/// A tensor message's values, copied at the Tell into pooled storage (the sender may reuse its own
/// as soon as Tell returns) and given back once the frame is written out or dropped. Release is
/// idempotent, so a frame released on two paths never hands one array to two owners.
/// </summary>
internal sealed class PooledTensorCopy : ITensorPayload
{
    private readonly int[] _dimensions;
    private readonly int _length;
    private float[]? _values;

    public PooledTensorCopy(ITensorPayload source)
    {
        _dimensions = source.Dimensions.ToArray();
        _length = source.Values.Length;
        _values = TensorStorage.Rent(_length, clear: false);
        source.Values.CopyTo(_values);
    }

    public ReadOnlySpan<int> Dimensions => _dimensions;

    public ReadOnlySpan<float> Values =>
        (_values ?? throw new ObjectDisposedException(nameof(PooledTensorCopy), "The frame's tensor was already written out and released.")).AsSpan(0, _length);

    public void Release()
    {
        if (Interlocked.Exchange(ref _values, null) is { } array) TensorStorage.Return(array, _length);
    }
}
