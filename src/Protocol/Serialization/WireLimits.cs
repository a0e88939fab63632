namespace ActorGrad.Protocol.Serialization;

/// <summary>
/// Caps on what a payload may declare. Lengths themselves are never taken on trust (every declared size is
/// checked against the bytes that remain before anything is allocated); these bound the rest.
/// </summary>
public static class WireLimits
{
    /// <summary>The highest tensor rank a payload may declare.</summary>
    public const int MaxTensorRank = 32;

    /// <summary>The most float32 values a tensor may hold (1 GiB of data); Array.MaxLength bounds it anyway.</summary>
    public const int MaxTensorElements = 1 << 28;

    /// <summary>How many exceptions of an inner-exception chain travel; deeper ones are cut off when sent.</summary>
    public const int MaxExceptionChain = 8;
}
