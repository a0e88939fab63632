using System.Globalization;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using ActorGrad.Engine.Tensors;

namespace ActorGrad.Bench.Micro;

/// <summary>
/// What a figure was measured on: the CPU model, the ISA each kernel runs at, the caches GEMM
/// blocks for, and the FMA peak, both derived (ISA x clock) and measured (<see cref="FmaProbe"/>).
/// Printed as '# ' lines, so that tab-separated figures below stay machine-readable.
/// </summary>
internal static class MachineReport
{
    /// <summary>FMA pipes per core assumed for the derived peak: two on every x86 core with AVX2 since Haswell and Zen 2, and on Neoverse cores.</summary>
    private const int FmaPipes = 2;

    public static void Print(TextWriter output, bool probe = true)
    {
        var isa = KernelIsa.Current;
        output.WriteLine($"# cpu: {CpuModel()}, {Environment.ProcessorCount} logical cores");
        output.WriteLine($"# gemm kernels: {KernelIsa.Describe(isa)} (widest this CPU runs: {KernelIsa.Describe(KernelIsa.Widest)})");
        output.WriteLine($"# element-wise (System.Numerics.Tensors): {TensorPrimitivesWidth()}");
        output.WriteLine($"# gemm blocks: {Blocks(isa)}; caches {CacheSizes.Machine}");
        if (isa == Isa.Scalar) return;
        var lanes = PhysicalLanes(isa);
        var (mhz, clockSource) = ClockMhz();
        if (mhz is { } clock)
        {
            var perCore = lanes * 2.0 * FmaPipes * clock / 1000;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"# fma peak derived: {perCore:F1} GFLOP/s per core, {perCore * Environment.ProcessorCount:F1} total = {lanes} fp32 lanes x 2 flop x {FmaPipes} FMA pipes x {clock:F0} MHz ({clockSource}; 512-bit FMAs on Zen 4 are two 256-bit halves, so count 8 lanes there)"));
        }
        else output.WriteLine("# fma peak derived: no clock found (neither /sys cpufreq nor /proc/cpuinfo 'cpu MHz')");
        if (!probe) return;
        var one = FmaProbe.Gflops(isa, 1);
        var all = FmaProbe.Gflops(isa, Environment.ProcessorCount);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"# fma peak measured ({KernelIsa.Describe(isa)}, 12 independent FMA chains): {one:F1} GFLOP/s on 1 thread (its CPU time), {all:F1} on {Environment.ProcessorCount} (wall clock; {all / one:F2}x: below ~1.9x the vCPUs share a core or other work holds one)"));
    }

    /// <summary>The measured one-thread FMA peak at the current width (for percentages), or null for scalar.</summary>
    public static double? MeasuredPeak(int threads) => KernelIsa.Current == Isa.Scalar ? null : FmaProbe.Gflops(KernelIsa.Current, threads);

    private static string Blocks(Isa isa)
    {
        if (isa == Isa.Scalar) return "none (scalar loop)";
        var b = Gemm.Blocking(isa);
        return $"tile 6x{2 * KernelIsa.Lanes(isa)}, KC {b.KC}, MC {b.MC}, NC {b.NC}";
    }

    /// <summary>On Zen 4 (AMD family 0x19, models 0x10 and up) a 512-bit FMA issues as two 256-bit halves.</summary>
    private static int PhysicalLanes(Isa isa)
    {
        var lanes = KernelIsa.Lanes(isa);
        return isa == Isa.Vector512 && IsZen4() ? lanes / 2 : lanes;
    }

    private static bool IsZen4()
    {
        var family = CpuInfoField("cpu family");
        var model = CpuInfoField("model");
        return CpuInfoField("vendor_id") == "AuthenticAMD" && family == "25" && int.TryParse(model, out var m) && m >= 0x10;
    }

    private static string TensorPrimitivesWidth() =>
        Vector512.IsHardwareAccelerated ? "Vector512 (AVX-512)" :
        Vector256.IsHardwareAccelerated ? "Vector256 (AVX2)" :
        Vector128.IsHardwareAccelerated ? "Vector128" : "scalar";

    private static string CpuModel() =>
        CpuInfoField("model name") ?? CpuInfoField("Model") ?? Environment.GetEnvironmentVariable("PROCESSOR_IDENTIFIER") ??
        System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString();

    /// <summary>The clock for the derived peak: cpufreq's maximum (the boost clock) if Linux lists it, else /proc/cpuinfo's 'cpu MHz' (in a VM often the nominal clock).</summary>
    private static (double? Mhz, string Source) ClockMhz()
    {
        const string maxFreq = "/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq";
        if (TryRead(maxFreq) is { } khz && double.TryParse(khz, NumberStyles.Float, CultureInfo.InvariantCulture, out var k) && k > 0)
            return (k / 1000, "clock: " + maxFreq);
        if (CpuInfoField("cpu MHz") is { } mhz && double.TryParse(mhz, NumberStyles.Float, CultureInfo.InvariantCulture, out var m) && m > 0)
            return (m, "clock: /proc/cpuinfo 'cpu MHz', no cpufreq; a VM's nominal clock, turbo may run higher");
        return (null, "");
    }

    private static string? CpuInfoField(string name)
    {
        if (TryRead("/proc/cpuinfo") is not { } text) return null;
        foreach (var line in text.Split('\n'))
        {
            var colon = line.IndexOf(':');
            if (colon > 0 && line[..colon].Trim() == name) return line[(colon + 1)..].Trim();
        }
        return null;
    }

    private static string? TryRead(string path)
    {
        try { return File.Exists(path) ? File.ReadAllText(path).Trim() : null; }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }
}
