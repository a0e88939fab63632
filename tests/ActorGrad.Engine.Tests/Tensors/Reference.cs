using ActorGrad.Engine.Tensors;

namespace ActorGrad.Engine.Tests.Tensors;

/// <summary>Plain scalar references the SIMD kernels are checked against.</summary>
internal static class Reference
{
    public static Tensor Random(int seed, params int[] shape) => Tensor.RandomNormal(seed, shape);

    public static void AssertClose(float[] expected, float[] actual, float tolerance = 1e-5f, string? what = null)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: length {actual.Length}, expected {expected.Length}");
        for (var i = 0; i < expected.Length; i++)
        {
            var e = expected[i];
            var a = actual[i];
            if (float.IsNaN(e)) { Assert.True(float.IsNaN(a), $"{what}[{i}]: expected NaN, got {a}"); continue; }
            if (float.IsInfinity(e)) { Assert.Equal(e, a); continue; }
            var scale = Math.Max(1f, Math.Abs(e));
            Assert.True(Math.Abs(e - a) <= tolerance * scale, $"{what}[{i}]: expected {e}, got {a}");
        }
    }

    /// <summary>Naive broadcasting binary op through explicit multi-indices.</summary>
    public static float[] Broadcast(Tensor a, Tensor b, Func<float, float, float> f, out int[] shape)
    {
        shape = Shapes.Broadcast(a.Shape, b.Shape, "reference");
        var n = Shapes.ElementCount(shape);
        var result = new float[n];
        var index = new int[shape.Length];
        for (var flat = 0; flat < n; flat++)
        {
            var rem = flat;
            for (var d = shape.Length - 1; d >= 0; d--) { index[d] = rem % shape[d]; rem /= shape[d]; }
            result[flat] = f(a.Span[Offset(a.Shape, index)], b.Span[Offset(b.Shape, index)]);
        }
        return result;
    }

    private static int Offset(int[] shape, int[] index)
    {
        var offset = 0;
        var lead = index.Length - shape.Length;
        for (var d = 0; d < shape.Length; d++) offset = offset * shape[d] + (shape[d] == 1 ? 0 : index[d + lead]);
        return offset;
    }

    public static float[] MatMul(float[] a, float[] b, int m, int n, int k, bool transA, bool transB)
    {
        var c = new float[m * n];
        for (var i = 0; i < m; i++)
        for (var j = 0; j < n; j++)
        {
            double sum = 0;
            for (var p = 0; p < k; p++)
                sum += (double)(transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j]);
            c[i * n + j] = (float)sum;
        }
        return c;
    }
}
