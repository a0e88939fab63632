using ActorGrad.Protocol.Tensors;

namespace ActorGrad.Engine.Tensors;

/// <summary>
/// Where tensor values live: large arrays in <see cref="TensorValuePool"/> (Protocol's, so that tensors decoded from
/// the wire come from and go back to the same pool), small ones plain. See the pool for why.
/// </summary>
internal static class TensorStorage
{
    public const int PoolThreshold = TensorValuePool.PoolThreshold;

    public static float[] Rent(int length, bool clear)
    {
        var array = TensorValuePool.Rent(length);
        if (clear && length >= PoolThreshold) Array.Clear(array); // smaller arrays are fresh, hence zero
        return array;
    }

    /// <summary>Gives a large array back (safe from any thread, the finalizer's included).</summary>
    public static void Return(float[] array, int length)
    {
        if (length < PoolThreshold || array.Length != length) return;
        TensorValuePool.Return(array);
    }
}
