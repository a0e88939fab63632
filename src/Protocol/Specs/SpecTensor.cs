using System.Collections.Immutable;
using System.Runtime.InteropServices;
using ActorGrad.Protocol.Tensors;

namespace ActorGrad.Protocol.Specs;

/// <summary>
/// A constant of a graph spec: a float32 tensor that nobody can change, so one decoded spec can be run any number
/// of times (a <see cref="WireTensor"/> hands its array to its first taker, who may write to it).
/// </summary>
public sealed class SpecTensor : ITensorPayload
{
    private readonly int[] _shape;
    private readonly float[] _values;

    /// <summary>A copy of <paramref name="tensor"/>.</summary>
    public SpecTensor(ITensorPayload tensor)
        : this(tensor.Dimensions.ToArray(), tensor.Values.ToArray(), check: true) { }

    private SpecTensor(int[] shape, float[] values, bool check)
    {
        if (check && TensorDimensions.TryElementCount(shape) != values.Length)
            throw new ArgumentException($"SpecTensor: {values.Length} values do not fill dimensions [{string.Join(", ", shape)}].");
        _shape = shape;
        _values = values;
    }

    /// <summary>Takes a decoded tensor's arrays without copying them when it is the first taker.</summary>
    internal static SpecTensor Adopt(WireTensor wire) =>
        new(wire.Dimensions.ToArray(), wire.TryTakeValues(out var values) ? values : wire.Values.ToArray(), check: false);

    public ImmutableArray<int> Shape => ImmutableCollectionsMarshal.AsImmutableArray(_shape);
    public ReadOnlySpan<int> Dimensions => _shape;
    public ReadOnlySpan<float> Values => _values;

    public override string ToString() => $"SpecTensor[{string.Join(", ", _shape)}]";
}
