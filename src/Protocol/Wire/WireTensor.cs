using ActorGrad.Protocol.Tensors;

namespace ActorGrad.Protocol.Wire;

/// <summary>A tensor payload decoded from a frame: its dimensions and its values, owned by this object.</summary>
public sealed class WireTensor : ITensorPayload
{
    private readonly int[] _dimensions;
    private readonly float[] _values;

    public WireTensor(int[] dimensions, float[] values)
    {
        ArgumentNullException.ThrowIfNull(dimensions);
        ArgumentNullException.ThrowIfNull(values);
        var count = TensorHeaders.ElementCount(dimensions);
        if (count != values.Length)
            throw new ArgumentException($"WireTensor: {values.Length} values do not fill dimensions [{string.Join(", ", dimensions)}] ({count} elements).");
        _dimensions = dimensions;
        _values = values;
    }

    public ReadOnlySpan<int> Dimensions => _dimensions;
    public ReadOnlySpan<float> Values => _values;

    /// <summary>The values array itself (no copy), for a receiver that takes ownership.</summary>
    public float[] ValuesArray => _values;
}
