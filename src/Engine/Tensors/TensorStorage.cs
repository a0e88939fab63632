namespace ActorGrad.Engine.Tensors;

/// <summary>
/// Where tensor values live. Large arrays come from an exact-size pool so that workloads making
/// many multi-megabyte temporaries per step (every op of a graph does) reuse memory instead of
/// churning the large-object heap; small ones are plain arrays, because pooling costs more than it
/// saves below a few thousand floats. The pool keeps at most <see cref="MaxPooledBytes"/>.
/// Unlike ArrayPool.Shared it keeps many arrays of one size (a graph frees dozens at once) and
/// hands back arrays of exactly the asked length.
/// </summary>
internal static class TensorStorage
{
    public const int PoolThreshold = 4096;
    public const long MaxPooledBytes = 1L << 30;
    private static readonly Lock Gate = new();
    private static readonly Dictionary<int, Stack<float[]>> Free = new();
    private static long _pooledBytes;

    public static float[] Rent(int length, bool clear)
    {
        if (length < PoolThreshold) return length == 0 ? [] : new float[length];
        float[]? array = null;
        lock (Gate)
        {
            if (Free.TryGetValue(length, out var stack) && stack.TryPop(out array)) _pooledBytes -= 4L * length;
        }
        array ??= GC.AllocateUninitializedArray<float>(length);
        if (clear) Array.Clear(array);
        return array;
    }

    /// <summary>Gives a large array back (safe from any thread, the finalizer's included).</summary>
    public static void Return(float[] array, int length)
    {
        if (length < PoolThreshold || array.Length != length) return;
        lock (Gate)
        {
            if (_pooledBytes + 4L * length > MaxPooledBytes) return; // let the GC have it
            if (!Free.TryGetValue(length, out var stack)) Free[length] = stack = new Stack<float[]>();
            stack.Push(array);
            _pooledBytes += 4L * length;
        }
    }
}
