namespace ActorGrad.Protocol.Tensors;

/// <summary>
/// Where large tensor values live, for the Engine's tensors and for tensors decoded from the wire alike: arrays of at
/// least <see cref="PoolThreshold"/> floats come from an exact-size pool, so a node that receives a gradient of the
/// same size every step, and disposes the Engine tensor that adopted it, decodes the next one into the same array
/// instead of a fresh large-object-heap array (page faults and gen-2 collections: per 1 MiB message, as much as
/// the socket). Smaller arrays are plain, because pooling costs more than it saves below a few thousand floats.
/// Unlike ArrayPool.Shared it keeps many arrays of one size (a graph frees dozens at once), hands back arrays of
/// exactly the asked length, and keeps at most <see cref="MaxPooledBytes"/>. Safe from any thread.
/// </summary>
public static class TensorValuePool
{
    public const int PoolThreshold = 4096;
    public const long MaxPooledBytes = 1L << 30;
    private static readonly Lock Gate = new();
    private static readonly Dictionary<int, Stack<float[]>> Free = new();
    private static long _pooledBytes;

    /// <summary>An array of exactly <paramref name="length"/> floats; a pooled one holds whatever it held before.</summary>
    public static float[] Rent(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length < PoolThreshold) return length == 0 ? [] : new float[length];
        float[]? array = null;
        lock (Gate)
        {
            if (Free.TryGetValue(length, out var stack) && stack.TryPop(out array)) _pooledBytes -= 4L * length;
        }
        if (array is not null) return array;
        if (TensorPoolMisses.Enabled) TensorPoolMisses.Record(length);
        return GC.AllocateUninitializedArray<float>(length);
    }

    /// <summary>Gives a large array back; the caller must keep no reference to it (the finalizer's thread may call this too).</summary>
    public static void Return(float[] array)
    {
        ArgumentNullException.ThrowIfNull(array);
        var length = array.Length;
        if (length < PoolThreshold) return;
        lock (Gate)
        {
            if (_pooledBytes + 4L * length > MaxPooledBytes) return; // let the GC have it
            if (!Free.TryGetValue(length, out var stack)) Free[length] = stack = new Stack<float[]>();
            stack.Push(array);
            _pooledBytes += 4L * length;
        }
    }
}
