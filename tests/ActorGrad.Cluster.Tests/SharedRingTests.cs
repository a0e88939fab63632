using ActorGrad.Cluster.Lanes;

namespace ActorGrad.Cluster.Tests.Lanes;

/// <summary>The lane's shared-memory ring without sockets: bounds, back-pressure (never an overwrite), wrapping, files.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SharedRingTests
{
    private const int Capacity = 8192;

    private static byte[] Bytes(int n, int seed)
    {
        var b = new byte[n];
        new Random(seed).NextBytes(b);
        return b;
    }

    [Fact]
    public void TheReaderSeesWhatTheWriterWroteAndTheFileIsGoneOnceUnlinked()
    {
        var (writer, path) = SharedRing.Create(Capacity);
        using var _ = writer;
        using var reader = SharedRing.Open(path, Capacity, writer.Nonce);
        SharedRing.TryUnlink(path);
        Assert.False(File.Exists(path));
        var sent = Bytes(3000, 1);
        var at = writer.TryWrite(sent);
        Assert.Equal(0, at);
        Assert.True(reader.Read(at, sent.Length).SequenceEqual(sent));
        Assert.True(reader.ReadMemory(at, sent.Length).Span.SequenceEqual(sent));
    }

    [Fact]
    public void AFullRingRefusesAWriteAndOverwritesNothingUntilTheReaderReleases()
    {
        var (writer, path) = SharedRing.Create(Capacity);
        using var _ = writer;
        using var reader = SharedRing.Open(path, Capacity, writer.Nonce);
        SharedRing.TryUnlink(path);
        var first = Bytes(5000, 1);
        var second = Bytes(3192, 2); // exactly fills the ring
        Assert.Equal(0, writer.TryWrite(first));
        Assert.Equal(5000, writer.TryWrite(second));
        Assert.Equal(-1, writer.TryWrite(Bytes(1, 3)));
        Assert.Equal(-1, writer.TryWrite(Bytes(Capacity + 1, 4))); // larger than the ring: never
        Assert.True(reader.Read(0, first.Length).SequenceEqual(first));
        Assert.True(reader.Read(5000, second.Length).SequenceEqual(second));

        reader.Release(5000);
        // 4000 bytes do not fit before the end (none left there): they go to the start, where the first payload was.
        var third = Bytes(4000, 5);
        Assert.Equal(Capacity, writer.TryWrite(third));
        Assert.True(reader.Read(5000, second.Length).SequenceEqual(second), "The unreleased payload was overwritten.");
        Assert.True(reader.Read(Capacity, third.Length).SequenceEqual(third));
        // 1001 bytes more would reach into the unreleased second payload.
        Assert.Equal(-1, writer.TryWrite(Bytes(1001, 6)));
        Assert.Equal(Capacity + 4000, writer.TryWrite(Bytes(1000, 7)));
    }

    [Fact]
    public void APayloadNeverStraddlesTheEnd()
    {
        var (writer, path) = SharedRing.Create(Capacity);
        using var _ = writer;
        using var reader = SharedRing.Open(path, Capacity, writer.Nonce);
        SharedRing.TryUnlink(path);
        Assert.Equal(0, writer.TryWrite(Bytes(6000, 1)));
        reader.Release(6000);
        // 3000 bytes from 6000 would cross 8192: the writer skips the tail.
        var wrapped = Bytes(3000, 2);
        Assert.Equal(Capacity, writer.TryWrite(wrapped));
        Assert.True(reader.Read(Capacity, wrapped.Length).SequenceEqual(wrapped));
        reader.Release(Capacity + 3000);
        // An empty ring takes any payload that fits in it, even one that must skip the tail to lie whole.
        var large = Bytes(7000, 3);
        Assert.Equal(2 * Capacity, writer.TryWrite(large));
        Assert.True(reader.Read(2 * Capacity, large.Length).SequenceEqual(large));
    }

    [Fact]
    public void AReleaseTellsTheReaderToWakeTheWriterOnlyWhenItWaits()
    {
        var (writer, path) = SharedRing.Create(Capacity);
        using var _ = writer;
        using var reader = SharedRing.Open(path, Capacity, writer.Nonce);
        SharedRing.TryUnlink(path);
        Assert.Equal(0, writer.TryWrite(Bytes(Capacity, 1)));
        Assert.False(reader.Release(100));
        Assert.Equal(-1, writer.TryWrite(Bytes(200, 2)));
        writer.AnnounceWaiting();
        Assert.True(reader.Release(Capacity));
        Assert.False(reader.Release(Capacity));
        Assert.Equal(Capacity, writer.TryWrite(Bytes(200, 2)));
    }

    [Fact]
    public void AFrameOutsideTheRingOrBeforeTheReleaseIsRefused()
    {
        var (writer, path) = SharedRing.Create(Capacity);
        using var _ = writer;
        using var reader = SharedRing.Open(path, Capacity, writer.Nonce);
        SharedRing.TryUnlink(path);
        Assert.Throws<InvalidDataException>(() => reader.Read(Capacity - 10, 11));
        Assert.Throws<InvalidDataException>(() => reader.Read(0, Capacity + 1));
        Assert.Throws<InvalidDataException>(() => reader.Read(-1, 1));
        reader.Release(100);
        Assert.Throws<InvalidDataException>(() => reader.Read(50, 10));
    }

    [Fact]
    public void AReaderRefusesARingWhoseNonceOrSizeIsNotTheAnnouncedOne()
    {
        var (writer, path) = SharedRing.Create(Capacity);
        using var _ = writer;
        try
        {
            Assert.Throws<IOException>(() => SharedRing.Open(path, Capacity, new byte[16]));
            Assert.Throws<IOException>(() => SharedRing.Open(path, Capacity * 2, writer.Nonce));
            Assert.Throws<IOException>(() => SharedRing.Open("/tmp/" + Path.GetFileName(path), Capacity, writer.Nonce));
        }
        finally
        {
            SharedRing.TryUnlink(path);
        }
    }

    [Fact]
    public void TheCreatedFileIsReadableByItsOwnerOnly()
    {
        var (writer, path) = SharedRing.Create(Capacity);
        using var _ = writer;
        try
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
        finally
        {
            SharedRing.TryUnlink(path);
        }
    }

    [Fact]
    public void TheSweepRemovesRingFilesOfDeadProcessesOnly()
    {
        // pid_max is at most 4194304 on Linux: this pid never runs.
        var dead = Path.Combine(SharedRing.Directory, $"{SharedRing.FilePrefix}99999999-{Guid.NewGuid():N}");
        var (writer, alive) = SharedRing.Create(Capacity);
        using var _ = writer;
        try
        {
            File.WriteAllBytes(dead, [1, 2, 3]);
            SharedRing.SweepStale();
            Assert.False(File.Exists(dead));
            Assert.True(File.Exists(alive));
        }
        finally
        {
            SharedRing.TryUnlink(dead);
            SharedRing.TryUnlink(alive);
        }
    }
}

/// <summary>The acceptor's half of the ring handshake when the ring cannot be mapped: it answers no, and the connection stays on the socket.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SharedRingHandshakeTests
{
    [Fact]
    public async Task ARingThatCannotBeMappedLeavesTheConnectionOnTheSocket()
    {
        var path = System.Text.Encoding.UTF8.GetBytes($"{SharedRing.Directory}/{SharedRing.FilePrefix}1-gone");
        var offer = new byte[8 + 16 + 2 + path.Length];
        BitConverter.TryWriteBytes(offer, 8192L);
        BitConverter.TryWriteBytes(offer.AsSpan(24), (ushort)path.Length);
        path.CopyTo(offer, 26);
        var stream = new Duplex(offer);

        var (ring, carrier) = await SharedRingHandshake.MapAsync(stream, default);

        Assert.Null(ring);
        Assert.StartsWith("socket (could not map", carrier);
        Assert.Equal([0], stream.Written.ToArray());
    }

    [Fact]
    public async Task APeerThatCouldNotCreateARingLeavesTheConnectionOnTheSocket()
    {
        var stream = new Duplex(new byte[8 + 16 + 2]); // capacity 0
        var (ring, carrier) = await SharedRingHandshake.MapAsync(stream, default);
        Assert.Null(ring);
        Assert.Contains("could not create", carrier);
        Assert.Empty(stream.Written.ToArray());
    }

    /// <summary>Reads what it was given, keeps what is written.</summary>
    private sealed class Duplex(byte[] input) : Stream
    {
        private readonly MemoryStream _in = new(input);
        public MemoryStream Written { get; } = new();
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => _in.Read(buffer, offset, count);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Written.Write(buffer, offset, count);
    }
}
