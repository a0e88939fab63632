namespace ActorGrad.Protocol.Tensors;

/// <summary>Element counts of tensor dimensions, checked: negative or overflowing dimensions are refused.</summary>
public static class TensorDimensions
{
    /// <summary>The product of <paramref name="dimensions"/>, or -1 when a dimension is negative or the product exceeds an array.</summary>
    public static long TryElementCount(ReadOnlySpan<int> dimensions)
    {
        long count = 1;
        foreach (var d in dimensions)
        {
            if (d < 0) return -1;
            count *= d;
            if (count > Array.MaxLength) return -1;
        }
        return count;
    }
}
