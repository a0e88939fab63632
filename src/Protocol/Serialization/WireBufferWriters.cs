using System.Buffers;
using System.Runtime.Serialization;

namespace ActorGrad.Protocol.Serialization;

/// <summary>
/// Counts the bytes a message encodes to without keeping them: what it is given to write lands in a small scratch
/// array, and tensor values are not written at all but counted (<see cref="TensorFormatter"/> asks
/// <see cref="Current"/>), so measuring a 64 MiB gradient costs its header, not a pass over its values.
/// </summary>
internal sealed class SizingWriter : IBufferWriter<byte>
{
    private const int KeptScratchBytes = 64 << 10;
    [ThreadStatic] private static SizingWriter? t_current;
    [ThreadStatic] private static SizingWriter? t_cached;
    private byte[] _scratch = new byte[4096];
    private SizingWriter? _outer;

    /// <summary>The writer measuring on this thread, if any: tensor values are counted into it instead of written.</summary>
    public static SizingWriter? Current => t_current;

    public long Count { get; private set; }

    /// <summary>A writer, reset, that <see cref="Current"/> names until <see cref="End"/>.</summary>
    public static SizingWriter Begin()
    {
        var writer = t_cached ?? new SizingWriter();
        t_cached = null; // a nested measure on this thread gets its own
        writer.Count = 0;
        writer._outer = t_current;
        t_current = writer;
        return writer;
    }

    public void End()
    {
        t_current = _outer;
        _outer = null;
        if (_scratch.Length <= KeptScratchBytes) t_cached = this;
    }

    /// <summary>Counts bytes that were not written (tensor values).</summary>
    public void Skip(long bytes) => Count += bytes;

    public void Advance(int count) => Count += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        if (sizeHint > _scratch.Length) _scratch = new byte[sizeHint];
        return _scratch;
    }

    public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;
}

/// <summary>
/// Writes into a buffer of exactly the measured size. MessagePack asks for room for the largest encoding of a value
/// (5 bytes for any int) before it knows the actual one, so near the end it is lent a scratch array whose written
/// bytes are copied in when it advances; a byte beyond the buffer is refused.
/// </summary>
internal sealed class FixedBufferWriter(Memory<byte> destination) : IBufferWriter<byte>
{
    private byte[]? _scratch;
    private bool _lentScratch;

    public int Written { get; private set; }

    public void Advance(int count)
    {
        if (count < 0 || count > destination.Length - Written)
            throw new SerializationException($"The message encodes to more than the {destination.Length} bytes it measured; it changed while it was being sent.");
        if (_lentScratch) _scratch.AsSpan(0, count).CopyTo(destination.Span[Written..]);
        _lentScratch = false;
        Written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        var free = destination[Written..];
        var needed = Math.Max(sizeHint, 1);
        if (free.Length >= needed)
        {
            _lentScratch = false;
            return free;
        }
        if (_scratch is null || _scratch.Length < needed) _scratch = new byte[Math.Max(needed, 16)];
        _lentScratch = true;
        return _scratch;
    }

    public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;
}
