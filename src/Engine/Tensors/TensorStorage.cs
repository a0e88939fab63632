using System.Buffers;

namespace ActorGrad.Engine.Tensors;

/// <summary>
/// Where tensor values live. Large arrays are rented from the shared pool so that workloads that
/// make many multi-megabyte temporaries per step do not churn the large-object heap; small ones
/// are plain arrays, because renting costs more than it saves below a few thousand floats.
/// </summary>
internal static class TensorStorage
{
    public const int PoolThreshold = 4096;

    public static float[] Rent(int length, bool clear)
    {
        if (length < PoolThreshold) return length == 0 ? [] : new float[length];
        var array = ArrayPool<float>.Shared.Rent(length);
        if (clear) Array.Clear(array, 0, length);
        return array;
    }

    public static void Return(float[] array, int length)
    {
        if (length >= PoolThreshold) ArrayPool<float>.Shared.Return(array);
    }
}
