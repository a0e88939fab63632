using System.Buffers.Binary;
using System.Text;

namespace ActorGrad.Cluster.Lanes;

/// <summary>
/// Whether a lane connection's payloads go through a shared-memory ring, settled right after the preface (inside TLS
/// when the lane uses it). The connector sends whether it wants a ring, its boot id and its uid; the acceptor answers
/// yes only if it wants one too and both run on one kernel as one user. Then the connector creates the ring and sends
/// its capacity, nonce and path (capacity 0: it could not make one); the acceptor maps it and says whether that
/// worked; the connector unlinks the file whatever the answer. Anything short of that: the socket carries the payloads.
/// Bytes: connector "want" u8, boot id 16, uid u32 LE; acceptor (after its preface) "yes" u8; connector capacity
/// i64 LE, nonce 16, path u16 LE length and UTF-8; acceptor "mapped" u8.
/// </summary>
internal static class SharedRingHandshake
{
    private const int IdentityBytes = 1 + 16 + 4;
    private const int MaxPathBytes = 1024;

    /// <summary>What a connection carries its payloads through: a ring, or the socket and why.</summary>
    public readonly record struct Outcome(SharedRing? Ring, string Carrier);

    private static LaneHost? HostOf(TensorLaneSettings settings) => settings.SharedMemory ? settings.HostOverride ?? LaneHost.Current : null;

    /// <summary>Connector: its half of the identity exchange, sent right behind its preface.</summary>
    public static byte[] Identity(TensorLaneSettings settings)
    {
        var bytes = new byte[IdentityBytes];
        if (HostOf(settings) is { } host)
        {
            bytes[0] = 1;
            host.BootId.TryWriteBytes(bytes.AsSpan(1, 16));
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(17), host.Uid);
        }
        return bytes;
    }

    /// <summary>Acceptor: reads the connector's identity; returns the answer byte to send behind its preface and the reason for a no.</summary>
    public static async Task<(bool Yes, string Reason)> ReadIdentityAsync(Stream stream, TensorLaneSettings settings, CancellationToken cancel)
    {
        var bytes = new byte[IdentityBytes];
        await stream.ReadExactlyAsync(bytes, cancel).ConfigureAwait(false);
        if (!settings.SharedMemory) return (false, "shared memory is switched off on this member");
        if (HostOf(settings) is not { } self) return (false, $"this member cannot use {SharedRing.Directory} (no Linux boot id)");
        if (bytes[0] != 1) return (false, "the peer does not offer shared memory");
        var boot = new Guid(bytes.AsSpan(1, 16));
        var uid = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(17));
        if (boot != self.BootId) return (false, "the peer runs on another host (another boot id)");
        if (uid != self.Uid) return (false, $"the peer runs as uid {uid}, this member as {self.Uid}");
        return (true, "");
    }

    /// <summary>Connector, after the acceptor's preface: reads its answer and, on yes, makes the ring and hands it over.</summary>
    public static async Task<Outcome> OfferAsync(Stream stream, TensorLaneSettings settings, CancellationToken cancel)
    {
        var answer = new byte[1];
        await stream.ReadExactlyAsync(answer, cancel).ConfigureAwait(false);
        if (answer[0] != 1)
            return new Outcome(null, HostOf(settings) is null ? "socket (shared memory is off or unavailable on this member)" : "socket (the peer declined shared memory: another host or user, or switched off there)");
        SharedRing ring;
        string path;
        try
        {
            // LaneHost is null off Linux, so no peer ever says yes there.
            if (OperatingSystem.IsWindows()) throw new IOException("no /dev/shm on Windows");
            (ring, path) = SharedRing.Create(settings.SharedMemoryRingBytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await stream.WriteAsync(new byte[8 + 16 + 2], cancel).ConfigureAwait(false); // capacity 0: no ring
            return new Outcome(null, $"socket (could not create a ring in {SharedRing.Directory}: {e.Message})");
        }
        try
        {
            var pathBytes = Encoding.UTF8.GetBytes(path);
            var offer = new byte[8 + 16 + 2 + pathBytes.Length];
            BinaryPrimitives.WriteInt64LittleEndian(offer, ring.Capacity);
            ring.Nonce.CopyTo(offer, 8);
            BinaryPrimitives.WriteUInt16LittleEndian(offer.AsSpan(24), (ushort)pathBytes.Length);
            pathBytes.CopyTo(offer, 26);
            await stream.WriteAsync(offer, cancel).ConfigureAwait(false);
            await stream.ReadExactlyAsync(answer, cancel).ConfigureAwait(false);
            if (answer[0] != 1)
            {
                ring.Dispose();
                return new Outcome(null, "socket (the peer could not map the ring)");
            }
            return new Outcome(ring, $"shared memory ({ring.Capacity >> 10} KiB ring)");
        }
        catch
        {
            ring.Dispose();
            throw;
        }
        finally
        {
            // Both ends have it mapped (or never will): the name goes, the memory stays until both unmap.
            SharedRing.TryUnlink(path);
        }
    }

    /// <summary>Acceptor, after answering yes: maps the ring the connector made and tells it whether that worked.</summary>
    public static async Task<Outcome> MapAsync(Stream stream, CancellationToken cancel)
    {
        var fixedPart = new byte[8 + 16 + 2];
        await stream.ReadExactlyAsync(fixedPart, cancel).ConfigureAwait(false);
        var capacity = BinaryPrimitives.ReadInt64LittleEndian(fixedPart);
        var nonce = fixedPart.AsSpan(8, 16).ToArray();
        var pathLength = BinaryPrimitives.ReadUInt16LittleEndian(fixedPart.AsSpan(24));
        if (capacity == 0) return new Outcome(null, "socket (the peer could not create a ring)");
        if (pathLength > MaxPathBytes) throw new InvalidDataException($"the peer announced a {pathLength}-byte ring path");
        var pathBytes = new byte[pathLength];
        await stream.ReadExactlyAsync(pathBytes, cancel).ConfigureAwait(false);
        SharedRing? ring = null;
        string carrier;
        try
        {
            ring = SharedRing.Open(Encoding.UTF8.GetString(pathBytes), capacity, nonce);
            carrier = $"shared memory ({capacity >> 10} KiB ring)";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            carrier = $"socket (could not map the peer's ring: {e.Message})";
        }
        try
        {
            await stream.WriteAsync(new[] { (byte)(ring is null ? 0 : 1) }, cancel).ConfigureAwait(false);
        }
        catch
        {
            ring?.Dispose();
            throw;
        }
        return new Outcome(ring, carrier);
    }
}
