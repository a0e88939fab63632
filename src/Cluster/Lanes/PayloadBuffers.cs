namespace ActorGrad.Cluster.Lanes;

/// <summary>
/// One connection's reusable payload arrays, by exact length (Akka's deserializers take a whole array, so a
/// buffer must be exactly the payload's size). Used only for serializers that copy out of their input
/// (<see cref="TensorLaneSettings.CopyingSerializerIds"/>); holds at most <see cref="MaxBytes"/>.
/// Single-threaded: only the connection's read loop touches it.
/// </summary>
internal sealed class PayloadBuffers
{
    private const long MaxBytes = 256L << 20;
    private readonly Dictionary<int, Stack<byte[]>> _free = new();
    private long _bytes;

    public byte[] Rent(int length)
    {
        if (_free.TryGetValue(length, out var stack) && stack.TryPop(out var buffer))
        {
            _bytes -= length;
            return buffer;
        }
        return GC.AllocateUninitializedArray<byte>(length);
    }

    public void Return(byte[] buffer)
    {
        if (_bytes + buffer.Length > MaxBytes) return;
        if (!_free.TryGetValue(buffer.Length, out var stack)) _free[buffer.Length] = stack = new Stack<byte[]>();
        stack.Push(buffer);
        _bytes += buffer.Length;
    }
}
