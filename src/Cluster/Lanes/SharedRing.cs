using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace ActorGrad.Cluster.Lanes;

/// <summary>
/// One lane connection's shared-memory ring between two processes on one host: the writing member creates it
/// (a file in /dev/shm, mode 0600, named after its pid), the reading member maps it, and the writer unlinks the
/// file as soon as the reader said it has mapped it, so nothing is left behind when either process dies.
/// Payload bytes go into the ring; the frame that says where they lie goes over the connection after them, so
/// the connection keeps the order, and a writer that dies mid-copy never published what it was copying.
/// <para>
/// Positions are byte counts since the ring was made (int64, never wrapping); a payload lies at position % capacity
/// and never straddles the end (the writer skips the tail instead). The reader stores how far it has consumed
/// (<see cref="Release"/>) in the header; the writer never reuses bytes before that position. A payload larger than
/// the ring goes over the socket; one that does not fit yet makes the writer wait (back-pressure): it raises the
/// header's waiting flag, and the reader, when it releases and finds the flag up, sends one wake byte back over the
/// connection (a Dekker handshake: both sides store, fence, then load, so one of them sees the other; a spare wake
/// costs one more look). Nothing is ever overwritten, and no one polls.
/// </para>
/// Header (one page): magic "AGLRING1", capacity int64, a 16-byte nonce (the reader checks it names the ring the
/// writer meant), at 64 the reader's release position int64, at 72 the writer's waiting flag int32. The data starts
/// at 4096.
/// </summary>
internal sealed unsafe class SharedRing : IDisposable
{
    public const string Directory = "/dev/shm";
    public const string FilePrefix = "actorgrad-lane-";
    private const int HeaderBytes = 4096;
    private const int ReleaseOffset = 64;
    private const int WaitingOffset = 72;
    private static readonly byte[] Magic = "AGLRING1"u8.ToArray();

    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;
    private long _head;     // the writer's next position
    private long _released; // the reader's last release (its own copy)
    private int _disposed;

    private SharedRing(MemoryMappedFile file, long capacity, byte[] nonce)
    {
        _file = file;
        Capacity = capacity;
        Nonce = nonce;
        _view = file.CreateViewAccessor(0, HeaderBytes + capacity, MemoryMappedFileAccess.ReadWrite);
        byte* pointer = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _base = pointer + _view.PointerOffset;
    }

    /// <summary>Data bytes the ring holds.</summary>
    public long Capacity { get; }

    /// <summary>Random bytes the writer put in the header; the reader checks them against the ones the writer announced.</summary>
    public byte[] Nonce { get; }

    private ref long ReleasePosition => ref Unsafe.AsRef<long>(_base + ReleaseOffset);

    private ref int WriterWaiting => ref Unsafe.AsRef<int>(_base + WaitingOffset);

    private byte* Data => _base + HeaderBytes;

    /// <summary>The writing end: a new file in /dev/shm (0600) of the given data capacity, allocated and mapped; returns it and its path.</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public static (SharedRing Ring, string Path) Create(long capacity)
    {
        var path = System.IO.Path.Combine(Directory, $"{FilePrefix}{Environment.ProcessId}-{Convert.ToHexString(RandomNumberGenerator.GetBytes(8))}");
        var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.ReadWrite,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            // Allocated now (fallocate): a /dev/shm too small for the ring (Docker's 64 MiB default) fails here, and
            // the connection takes the socket, instead of a SIGBUS on the first write past what tmpfs can hold.
            PreallocationSize = HeaderBytes + capacity,
        });
        try
        {
            stream.SetLength(HeaderBytes + capacity);
            var file = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: false);
            var ring = new SharedRing(file, capacity, RandomNumberGenerator.GetBytes(16));
            Magic.CopyTo(new Span<byte>(ring._base, Magic.Length));
            BinaryPrimitives.WriteInt64LittleEndian(new Span<byte>(ring._base + 8, 8), capacity);
            ring.Nonce.CopyTo(new Span<byte>(ring._base + 16, 16));
            Volatile.Write(ref ring.ReleasePosition, 0);
            return (ring, path);
        }
        catch
        {
            stream.Dispose();
            TryUnlink(path);
            throw;
        }
    }

    /// <summary>The reading end: maps the writer's file and checks it is the ring the writer announced.</summary>
    public static SharedRing Open(string path, long capacity, ReadOnlySpan<byte> nonce)
    {
        if (!System.IO.Path.GetFileName(path).StartsWith(FilePrefix, StringComparison.Ordinal) || System.IO.Path.GetDirectoryName(path) != Directory)
            throw new IOException($"'{path}' is not a lane ring in {Directory}");
        if (capacity <= 0) throw new IOException($"a ring of {capacity} bytes was announced");
        var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        try
        {
            if (stream.Length != HeaderBytes + capacity)
                throw new IOException($"the ring file has {stream.Length} bytes, not the {HeaderBytes + capacity} announced");
            var file = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: false);
            var ring = new SharedRing(file, capacity, nonce.ToArray());
            if (!new ReadOnlySpan<byte>(ring._base, 8).SequenceEqual(Magic)
                || BinaryPrimitives.ReadInt64LittleEndian(new ReadOnlySpan<byte>(ring._base + 8, 8)) != capacity
                || !new ReadOnlySpan<byte>(ring._base + 16, 16).SequenceEqual(nonce))
            {
                ring.Dispose();
                throw new IOException("the ring file is not the one the peer announced (its header differs)");
            }
            return ring;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writer: copies <paramref name="payload"/> into the ring if it fits now, and returns its position; -1 when it
    /// does not yet (see <see cref="AnnounceWaiting"/>) or never will (larger than the ring: the caller sends it over
    /// the socket). Only the connection's write loop calls this.
    /// </summary>
    public long TryWrite(ReadOnlySpan<byte> payload)
    {
        var length = payload.Length;
        if (length > Capacity) return -1;
        var start = _head;
        var offset = start % Capacity;
        if (offset + length > Capacity) start += Capacity - offset; // skip the tail: a payload never wraps
        var end = start + length;
        // Acquire: the reader's release is read before any byte it released is overwritten. The unreleased bytes are
        // [released, head); the new ones may not reach round onto them (an empty ring takes anything that fits in it).
        var released = Volatile.Read(ref ReleasePosition);
        if (released != _head && end - released > Capacity) return -1;
        payload.CopyTo(new Span<byte>(Data + start % Capacity, length));
        _head = end;
        // The frame that publishes these bytes goes over the socket after this; the fence keeps the copy before it.
        Interlocked.MemoryBarrier();
        return start;
    }

    /// <summary>
    /// Writer, after a <see cref="TryWrite"/> found no room: asks the reader for a wake byte at its next release. The
    /// caller tries once more before it waits, since the release may have come between its try and this flag.
    /// </summary>
    public void AnnounceWaiting() => Interlocked.Exchange(ref WriterWaiting, 1);

    /// <summary>
    /// Reader: the <paramref name="length"/> bytes at <paramref name="position"/>, checked against the ring's bounds and
    /// against what was already released (a frame is never taken on trust).
    /// </summary>
    public ReadOnlySpan<byte> Read(long position, int length)
    {
        if (length < 0 || length > Capacity || position < _released || position % Capacity + length > Capacity)
            throw new InvalidDataException($"a frame names {length} ring bytes at position {position}; the ring holds {Capacity} and {_released} were released");
        Interlocked.MemoryBarrier();
        return new ReadOnlySpan<byte>(Data + position % Capacity, length);
    }

    /// <summary>A memory over the same bytes as <see cref="Read"/>, for decoders that take memory rather than a span.</summary>
    public ReadOnlyMemory<byte> ReadMemory(long position, int length)
    {
        Read(position, length);
        return new PointerMemory(Data + position % Capacity, length).Memory;
    }

    /// <summary>
    /// Reader: everything before <paramref name="position"/> has been consumed; the writer may reuse it. Returns
    /// whether the writer waits for room: the caller then sends it a wake byte.
    /// </summary>
    public bool Release(long position)
    {
        _released = position;
        Volatile.Write(ref ReleasePosition, position);
        return Interlocked.Exchange(ref WriterWaiting, 0) != 0;
    }

    /// <summary>Removes a ring's file; mappings stay valid until they are disposed, and then the memory is freed.</summary>
    public static void TryUnlink(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>
    /// Removes ring files whose writer died before it could unlink them (killed inside the handshake): files named
    /// after a pid that no longer runs. A file of another user is not ours to remove, and its delete fails quietly.
    /// </summary>
    public static int SweepStale()
    {
        var removed = 0;
        try
        {
            foreach (var path in System.IO.Directory.EnumerateFiles(Directory, FilePrefix + "*"))
            {
                var name = System.IO.Path.GetFileName(path)[FilePrefix.Length..];
                var dash = name.IndexOf('-');
                if (dash <= 0 || !int.TryParse(name.AsSpan(0, dash), out var pid) || System.IO.Directory.Exists($"/proc/{pid}")) continue;
                TryUnlink(path);
                if (!File.Exists(path)) removed++;
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return removed;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }
}
