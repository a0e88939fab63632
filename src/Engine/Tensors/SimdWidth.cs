using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ActorGrad.Engine.Tensors;

/// <summary>
/// The vector operations our kernels need (GEMM's micro-kernel, <see cref="VectorMath"/>), as a struct
/// the JIT specialises, so one kernel serves Vector512 (AVX-512F), Vector256 (AVX2 + FMA) and Vector128
/// (AdvSIMD on ARM, SSE on x86).
/// <see cref="KernelIsa"/> decides which one runs.
/// </summary>
internal unsafe interface ISimdWidth<TVector> where TVector : struct
{
    static abstract int Width { get; }
    static abstract TVector Zero { get; }
    static abstract TVector Load(float* source);
    static abstract void Store(TVector value, float* destination);
    static abstract TVector Broadcast(float value);
    /// <summary>a * b + c, fused.</summary>
    static abstract TVector MultiplyAdd(TVector a, TVector b, TVector c);
    static abstract TVector Add(TVector a, TVector b);
    static abstract TVector Subtract(TVector a, TVector b);
    static abstract TVector Multiply(TVector a, TVector b);
    static abstract TVector Divide(TVector a, TVector b);
    static abstract TVector Min(TVector a, TVector b);
    static abstract TVector Max(TVector a, TVector b);
    static abstract TVector Abs(TVector x);
    /// <summary>The magnitude of <paramref name="value"/> with the sign of <paramref name="sign"/>.</summary>
    static abstract TVector CopySign(TVector value, TVector sign);
    /// <summary>Lane-wise a &lt; b ? ifLess : otherwise.</summary>
    static abstract TVector SelectLess(TVector a, TVector b, TVector ifLess, TVector otherwise);
    /// <summary><paramref name="x"/> where it is NaN, <paramref name="result"/> elsewhere.</summary>
    static abstract TVector KeepNaN(TVector x, TVector result);
    /// <summary>2^n for integral n in [-126, 127], built in the exponent field.</summary>
    static abstract TVector Pow2(TVector n);
}

internal readonly unsafe struct Simd512 : ISimdWidth<Vector512<float>>
{
    public static bool IsSupported => Avx512F.IsSupported;
    public static int Width => 16;
    public static Vector512<float> Zero => Vector512<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Load(float* source) => Avx512F.LoadVector512(source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector512<float> value, float* destination) => Avx512F.Store(destination, value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Broadcast(float value) => Vector512.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Avx512F.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => Avx512F.Add(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Subtract(Vector512<float> a, Vector512<float> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Multiply(Vector512<float> a, Vector512<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Divide(Vector512<float> a, Vector512<float> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Min(Vector512<float> a, Vector512<float> b) => Vector512.MinNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Max(Vector512<float> a, Vector512<float> b) => Vector512.MaxNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Abs(Vector512<float> x) => Vector512.Abs(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> CopySign(Vector512<float> value, Vector512<float> sign) => Vector512.CopySign(value, sign);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> SelectLess(Vector512<float> a, Vector512<float> b, Vector512<float> ifLess, Vector512<float> otherwise) => Vector512.ConditionalSelect(Vector512.LessThan(a, b), ifLess, otherwise);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> KeepNaN(Vector512<float> x, Vector512<float> result) => Vector512.ConditionalSelect(Vector512.Equals(x, x), result, x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Pow2(Vector512<float> n) => Vector512.ShiftLeft(Vector512.ConvertToInt32Native(n) + Vector512.Create(127), 23).AsSingle();
}

internal readonly unsafe struct Simd256 : ISimdWidth<Vector256<float>>
{
    public static bool IsSupported => Avx2.IsSupported && Fma.IsSupported;
    public static int Width => 8;
    public static Vector256<float> Zero => Vector256<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Load(float* source) => Avx.LoadVector256(source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<float> value, float* destination) => Avx.Store(destination, value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Broadcast(float value) => Vector256.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Fma.MultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => Avx.Add(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Subtract(Vector256<float> a, Vector256<float> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Multiply(Vector256<float> a, Vector256<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Divide(Vector256<float> a, Vector256<float> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Min(Vector256<float> a, Vector256<float> b) => Vector256.MinNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Max(Vector256<float> a, Vector256<float> b) => Vector256.MaxNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Abs(Vector256<float> x) => Vector256.Abs(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> CopySign(Vector256<float> value, Vector256<float> sign) => Vector256.CopySign(value, sign);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> SelectLess(Vector256<float> a, Vector256<float> b, Vector256<float> ifLess, Vector256<float> otherwise) => Vector256.ConditionalSelect(Vector256.LessThan(a, b), ifLess, otherwise);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> KeepNaN(Vector256<float> x, Vector256<float> result) => Vector256.ConditionalSelect(Vector256.Equals(x, x), result, x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Pow2(Vector256<float> n) => Vector256.ShiftLeft(Vector256.ConvertToInt32Native(n) + Vector256.Create(127), 23).AsSingle();
}

internal readonly unsafe struct Simd128 : ISimdWidth<Vector128<float>>
{
    public static bool IsSupported => Vector128.IsHardwareAccelerated;
    public static int Width => 4;
    public static Vector128<float> Zero => Vector128<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Load(float* source) => Vector128.Load(source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector128<float> value, float* destination) => value.Store(destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Broadcast(float value) => Vector128.Create(value);
    // Fused where the CPU has FMA (ARM always, x86 with FMA3), a multiply and an add where it does not.
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) => Vector128.MultiplyAddEstimate(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Subtract(Vector128<float> a, Vector128<float> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Multiply(Vector128<float> a, Vector128<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Divide(Vector128<float> a, Vector128<float> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Min(Vector128<float> a, Vector128<float> b) => Vector128.MinNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Max(Vector128<float> a, Vector128<float> b) => Vector128.MaxNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Abs(Vector128<float> x) => Vector128.Abs(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> CopySign(Vector128<float> value, Vector128<float> sign) => Vector128.CopySign(value, sign);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> SelectLess(Vector128<float> a, Vector128<float> b, Vector128<float> ifLess, Vector128<float> otherwise) => Vector128.ConditionalSelect(Vector128.LessThan(a, b), ifLess, otherwise);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> KeepNaN(Vector128<float> x, Vector128<float> result) => Vector128.ConditionalSelect(Vector128.Equals(x, x), result, x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Pow2(Vector128<float> n) => Vector128.ShiftLeft(Vector128.ConvertToInt32Native(n) + Vector128.Create(127), 23).AsSingle();
}
