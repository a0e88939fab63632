namespace ActorGrad.Protocol.Wire;

/// <summary>Element counts of tensor dimensions, checked: negative or overflowing dimensions are refused.</summary>
internal static class TensorHeaders
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

    public static int ElementCount(ReadOnlySpan<int> dimensions)
    {
        var count = TryElementCount(dimensions);
        if (count < 0) throw new ArgumentException($"Dimensions [{string.Join(", ", dimensions.ToArray())}] are negative or too large.");
        return (int)count;
    }
}
