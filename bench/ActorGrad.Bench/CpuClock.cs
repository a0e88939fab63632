using System.Runtime.InteropServices;

namespace ActorGrad.Bench;

/// <summary>
/// CPU time from clock_gettime (Linux, nanosecond resolution): what a computation cost on a machine
/// whose cores are shared with other work, where wall-clock time mostly measures waiting for a core.
/// </summary>
internal static class CpuClock
{
    public static bool IsAvailable { get; } = OperatingSystem.IsLinux();

    /// <summary>Seconds of CPU this thread has used.</summary>
    public static double ThreadSeconds() => Read(3); // CLOCK_THREAD_CPUTIME_ID

    /// <summary>Seconds of CPU all threads of this process have used.</summary>
    public static double ProcessSeconds() => Read(2); // CLOCK_PROCESS_CPUTIME_ID

    private static double Read(int clock)
    {
        if (ClockGetTime(clock, out var t) != 0) throw new InvalidOperationException($"clock_gettime({clock}) failed");
        return t.Seconds + t.Nanoseconds * 1e-9;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec { public long Seconds; public long Nanoseconds; }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);
}
