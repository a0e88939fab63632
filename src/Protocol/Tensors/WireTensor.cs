namespace ActorGrad.Protocol.Tensors;

/// <summary>
/// A tensor payload decoded from the wire: its dimensions and its values, owned by this object until a
/// receiver takes them (<see cref="TryTakeValues"/>), which lets the Engine adopt the array without a second copy.
/// Decoded values of a large tensor come from <see cref="TensorValuePool"/>; the Engine tensor that adopts them gives
/// them back when it is disposed (one that is never taken is simply the GC's).
/// </summary>
public sealed class WireTensor : ITensorPayload
{
    private readonly int[] _dimensions;
    private readonly float[] _values;
    private int _taken;

    public WireTensor(int[] dimensions, float[] values)
    {
        ArgumentNullException.ThrowIfNull(dimensions);
        ArgumentNullException.ThrowIfNull(values);
        var count = TensorDimensions.TryElementCount(dimensions);
        if (count != values.Length)
            throw new ArgumentException($"WireTensor: {values.Length} values do not fill dimensions [{string.Join(", ", dimensions)}] ({(count < 0 ? "invalid" : count + " elements")}).");
        _dimensions = dimensions;
        _values = values;
    }

    public ReadOnlySpan<int> Dimensions => _dimensions;
    public ReadOnlySpan<float> Values => _values;

    /// <summary>
    /// Hands the values array itself (no copy) to the first caller, who owns it from then on (may write to it,
    /// pool it). Later callers get false and must copy <see cref="Values"/>; a decoded message goes to one
    /// recipient, so in practice the first taker is the only reader.
    /// </summary>
    public bool TryTakeValues(out float[] values)
    {
        values = _values;
        return Interlocked.Exchange(ref _taken, 1) == 0;
    }

    public override string ToString() => $"WireTensor[{string.Join(", ", _dimensions)}]";
}
