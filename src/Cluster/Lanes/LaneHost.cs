using System.Runtime.InteropServices;

namespace ActorGrad.Cluster.Lanes;

/// <summary>
/// Which kernel and which user a lane end runs as: two ends with the same boot id run on one kernel (one host, or
/// containers sharing it) and with the same uid may share a ring in /dev/shm. Null on systems without a boot id
/// (not Linux): shared memory is then never offered.
/// </summary>
internal sealed partial record LaneHost(Guid BootId, uint Uid)
{
    private const string BootIdFile = "/proc/sys/kernel/random/boot_id";

    public static LaneHost? Current { get; } = Read();

    private static LaneHost? Read()
    {
        if (!OperatingSystem.IsLinux() || !System.IO.Directory.Exists(SharedRing.Directory)) return null;
        try
        {
            return Guid.TryParse(File.ReadAllText(BootIdFile).Trim(), out var boot) ? new LaneHost(boot, GetEffectiveUid()) : null;
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUid();
}
