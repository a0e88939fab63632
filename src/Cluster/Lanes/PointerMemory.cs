using System.Buffers;

namespace ActorGrad.Cluster.Lanes;

/// <summary>
/// A <see cref="Memory{T}"/> over bytes of a mapping (the shared-memory ring), for decoders that take memory. It
/// owns nothing: the mapping outlives it, because the lane's read loop decodes, releases and only then reads on.
/// </summary>
internal sealed unsafe class PointerMemory(byte* pointer, int length) : MemoryManager<byte>
{
    public override Span<byte> GetSpan() => new(pointer, length);

    public override MemoryHandle Pin(int elementIndex = 0) => new(pointer + elementIndex);

    public override void Unpin() { }

    protected override void Dispose(bool disposing) { }
}
