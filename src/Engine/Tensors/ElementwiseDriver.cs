namespace ActorGrad.Engine.Tensors;

/// <summary>
/// One driver per arity: it picks the fast path (equal shapes, a scalar operand, rows of a
/// broadcast) and splits large arrays across the cores.
/// </summary>
internal static class ElementwiseDriver
{
    /// <summary>Below this many elements one core is faster than two (the split costs a few microseconds).</summary>
    public const int ParallelThreshold = 1 << 16;

    public static Tensor Unary<TOp>(Tensor x) where TOp : IUnaryOperator<TOp>
    {
        var result = Tensor.Allocate(x.Shape.AsSpan().ToArray());
        UnaryInto<TOp>(x.Data, result.Data, x.Length);
        return result;
    }

    public static void UnaryInto<TOp>(float[] x, float[] d, int length) where TOp : IUnaryOperator<TOp>
    {
        if (length == 0) return; // Some TensorPrimitives reject empty spans.
        if (length < ParallelThreshold)
        {
            TOp.Invoke(x.AsSpan(0, length), d.AsSpan(0, length));
            return;
        }
        UnaryParallel<TOp>(x, d, length);
    }

    // Apart from the small-array path, so that its closure is allocated only when it runs.
    private static void UnaryParallel<TOp>(float[] x, float[] d, int length) where TOp : IUnaryOperator<TOp> =>
        Parallel.For(0, Chunks(length), c =>
        {
            var (start, count) = Chunk(c, length);
            TOp.Invoke(x.AsSpan(start, count), d.AsSpan(start, count));
        });

    public static Tensor Binary<TOp>(Tensor a, Tensor b, string op) where TOp : IBinaryOperator<TOp>
    {
        if (a.ShapeEquals(b.Shape))
        {
            var same = Tensor.Allocate(a.Shape.AsSpan().ToArray());
            SameShape<TOp>(a.Data, b.Data, same.Data, a.Length);
            return same;
        }
        var shape = Shapes.Broadcast(a.Shape, b.Shape, op);
        var result = Tensor.Allocate(shape);
        BinaryInto<TOp>(a, b, result);
        return result;
    }

    /// <summary>d = op(a, b) where a and b broadcast to d's shape.</summary>
    public static void BinaryInto<TOp>(Tensor a, Tensor b, Tensor d) where TOp : IBinaryOperator<TOp>
    {
        if (d.Length == 0) return;
        if (a.ShapeEquals(d.Shape) && b.ShapeEquals(d.Shape))
        {
            SameShape<TOp>(a.Data, b.Data, d.Data, d.Length);
            return;
        }
        if (b.Length == 1 && a.ShapeEquals(d.Shape))
        {
            ScalarRight<TOp>(a.Data, b.Data[0], d.Data, d.Length);
            return;
        }
        if (a.Length == 1 && b.ShapeEquals(d.Shape))
        {
            TOp.Invoke(a.Data[0], b.Span, d.Span);
            return;
        }
        Broadcast<TOp>(a, b, d);
    }

    private static void SameShape<TOp>(float[] a, float[] b, float[] d, int length) where TOp : IBinaryOperator<TOp>
    {
        if (length < ParallelThreshold)
        {
            TOp.Invoke(a.AsSpan(0, length), b.AsSpan(0, length), d.AsSpan(0, length));
            return;
        }
        SameShapeParallel<TOp>(a, b, d, length);
    }

    private static void SameShapeParallel<TOp>(float[] a, float[] b, float[] d, int length) where TOp : IBinaryOperator<TOp> =>
        Parallel.For(0, Chunks(length), c =>
        {
            var (start, count) = Chunk(c, length);
            TOp.Invoke(a.AsSpan(start, count), b.AsSpan(start, count), d.AsSpan(start, count));
        });

    private static void ScalarRight<TOp>(float[] a, float b, float[] d, int length) where TOp : IBinaryOperator<TOp>
    {
        if (length < ParallelThreshold)
        {
            TOp.Invoke(a.AsSpan(0, length), b, d.AsSpan(0, length));
            return;
        }
        ScalarRightParallel<TOp>(a, b, d, length);
    }

    private static void ScalarRightParallel<TOp>(float[] a, float b, float[] d, int length) where TOp : IBinaryOperator<TOp> =>
        Parallel.For(0, Chunks(length), c =>
        {
            var (start, count) = Chunk(c, length);
            TOp.Invoke(a.AsSpan(start, count), b, d.AsSpan(start, count));
        });

    /// <summary>
    /// General broadcasting: walk every row of the output (all dims but the last) with an odometer;
    /// each row is one span op, because an operand's innermost stride is either 1 or 0 (repeated).
    /// </summary>
    private static void Broadcast<TOp>(Tensor a, Tensor b, Tensor d) where TOp : IBinaryOperator<TOp>
    {
        var shape = d.Shape;
        if (shape.Length == 0)
        {
            d.Data[0] = TOp.Invoke(a.Data[0], b.Data[0]);
            return;
        }
        var sa = Shapes.BroadcastStrides(a.Shape, shape);
        var sb = Shapes.BroadcastStrides(b.Shape, shape);
        var rank = shape.Length;
        var n = shape[rank - 1];
        var innerA = sa[rank - 1];
        var innerB = sb[rank - 1];
        var rows = d.Length / n;
        var index = new int[rank];
        int offA = 0, offB = 0;
        var ad = a.Data;
        var bd = b.Data;
        var dd = d.Data;
        for (var row = 0; row < rows; row++)
        {
            var dst = dd.AsSpan(row * n, n);
            if (innerA == 1 && innerB == 1) TOp.Invoke(ad.AsSpan(offA, n), bd.AsSpan(offB, n), dst);
            else if (innerA == 1) TOp.Invoke(ad.AsSpan(offA, n), bd[offB], dst);
            else if (innerB == 1) TOp.Invoke(ad[offA], bd.AsSpan(offB, n), dst);
            else dst.Fill(TOp.Invoke(ad[offA], bd[offB]));

            // Advance the odometer over the outer dimensions.
            for (var dim = rank - 2; dim >= 0; dim--)
            {
                index[dim]++;
                offA += sa[dim];
                offB += sb[dim];
                if (index[dim] < shape[dim]) break;
                offA -= sa[dim] * shape[dim];
                offB -= sb[dim] * shape[dim];
                index[dim] = 0;
            }
        }
    }

    private static int Chunks(int length) => Math.Min(Environment.ProcessorCount * 2, Math.Max(1, length / (ParallelThreshold / 2)));

    private static (int Start, int Count) Chunk(int chunk, int length)
    {
        var chunks = Chunks(length);
        // Chunk boundaries on multiples of 16 floats keep every chunk's SIMD loads aligned alike.
        var size = (length / chunks + 15) & ~15;
        var start = Math.Min(length, chunk * size);
        return (start, Math.Min(size, length - start));
    }
}
