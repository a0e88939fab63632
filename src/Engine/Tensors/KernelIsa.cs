using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace ActorGrad.Engine.Tensors;

/// <summary>The vector width a hand-written kernel (GEMM, the fused element-wise passes) runs at.</summary>
public enum Isa { Scalar, Vector128, Vector256, Vector512 }

/// <summary>
/// The one switch that picks the kernels' vector width: the widest the CPU accelerates, unless the
/// caller forces a narrower one (tests do, to run every path on any machine). A forced width holds
/// for the calling flow and the work it starts (Parallel.For's workers included: it is an AsyncLocal),
/// and nowhere else, so tests that force different widths can run side by side.
/// </summary>
public static class KernelIsa
{
    /// <summary>The widest width this CPU runs our kernels at (Vector256 needs FMA as well as AVX2).</summary>
    public static Isa Widest { get; } =
        Simd512.IsSupported ? Isa.Vector512 :
        Simd256.IsSupported ? Isa.Vector256 :
        Simd128.IsSupported ? Isa.Vector128 : Isa.Scalar;

    private static readonly AsyncLocal<Isa?> Forced = new();

    /// <summary>The width kernels called from here use now.</summary>
    public static Isa Current => Forced.Value ?? Widest;

    /// <summary>
    /// Until the returned scope is disposed, kernels called from this flow run at <paramref name="isa"/>.
    /// Asking for a width the CPU lacks is an error, not a silent fallback: a test must know what it ran.
    /// </summary>
    internal static IDisposable Force(Isa isa)
    {
        if (isa > Widest) throw new PlatformNotSupportedException($"This CPU runs kernels at {Describe(Widest)} at most; {Describe(isa)} was asked for.");
        var previous = Forced.Value;
        Forced.Value = isa;
        return new Restore(previous);
    }

    /// <summary>What the width means on this CPU: the instruction set the kernels compile to.</summary>
    public static string Describe(Isa isa) => isa switch
    {
        Isa.Vector512 => "AVX-512F (Vector512)",
        Isa.Vector256 => "AVX2+FMA (Vector256)",
        Isa.Vector128 when AdvSimd.IsSupported => "AdvSIMD (Vector128)",
        Isa.Vector128 when Fma.IsSupported => "SSE+FMA (Vector128)",
        Isa.Vector128 => "SSE (Vector128)",
        _ => "scalar",
    };

    /// <summary>Floats per vector register at a width (1 for scalar).</summary>
    public static int Lanes(Isa isa) => isa switch
    {
        Isa.Vector512 => Vector512<float>.Count,
        Isa.Vector256 => Vector256<float>.Count,
        Isa.Vector128 => Vector128<float>.Count,
        _ => 1,
    };

    private sealed class Restore(Isa? previous) : IDisposable
    {
        private bool _disposed;
        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            Forced.Value = previous;
        }
    }
}
