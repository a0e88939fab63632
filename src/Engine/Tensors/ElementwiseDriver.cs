namespace ActorGrad.Engine.Tensors;

/// <summary>
/// One driver per arity: it picks the fast path (equal shapes, a scalar operand, rows of a
/// broadcast) and splits large arrays across the cores. Asked to defer, it returns a deferred tensor
/// (<see cref="ElementwiseRecipe"/>) where it can; a deferred operand is fused into the op either way.
/// </summary>
internal static class ElementwiseDriver
{
    /// <summary>Below this many elements one core is faster than two (the split costs a few microseconds).</summary>
    public const int ParallelThreshold = 1 << 16;

    /// <summary>Below this many elements an op is computed at once: one pass over data in L2 costs less than keeping a recipe.</summary>
    public const int DeferThreshold = 1 << 14;

    public static Tensor Unary<TOp>(Tensor x, bool defer = false) where TOp : IUnaryOperator<TOp>
    {
        if (x.IsDeferred || defer && CanHold(x))
            return Fused(new UnaryRecipe<TOp>(Held(x)), x.Shape, defer);
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
        ComputeThreads.For(Chunks(length), c =>
        {
            var (start, count) = Chunk(c, length);
            TOp.Invoke(x.AsSpan(start, count), d.AsSpan(start, count));
        });

    public static Tensor Binary<TOp>(Tensor a, Tensor b, string op, bool defer = false) where TOp : IBinaryOperator<TOp>
    {
        if (TryFuse<TOp>(a, b, defer) is { } fused) return fused;
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
        if (b.IsDeferred && ReferenceEquals(a, d) && b.ShapeEquals(d.Shape))
        {
            // d = op(d, deferred b) in place, b computed block by block on the way (not into an array of its own).
            var recipe = new BinaryRecipe<TOp>(Held(d), Held(b));
            try { ElementwiseRecipe.Evaluate(recipe, d.Data, d.Length); }
            finally { recipe.ReleaseOperands(); }
            return;
        }
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
        ComputeThreads.For(Chunks(length), c =>
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
        ComputeThreads.For(Chunks(length), c =>
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

    /// <summary>
    /// op(a, b) as a recipe when an operand is deferred (fused into this op), or when asked to defer and both
    /// operands can be held; null when the shapes are not the same shape or a scalar with the result's shape
    /// (a broadcast reads its operands now).
    /// </summary>
    private static Tensor? TryFuse<TOp>(Tensor a, Tensor b, bool defer) where TOp : IBinaryOperator<TOp>
    {
        if (!a.IsDeferred && !b.IsDeferred && (!defer || Math.Max(a.Length, b.Length) < DeferThreshold)) return null;
        if (a.ShapeEquals(b.Shape))
        {
            // Computed now when an operand may change later (a deferred one is fused all the same).
            var keep = defer && Holdable(a) && Holdable(b);
            if (!keep && !a.IsDeferred && !b.IsDeferred) return null;
            return Fused(new BinaryRecipe<TOp>(Held(a), Held(b)), a.Shape, keep);
        }
        // A scalar operand is read now (it may be a parameter that changes later); the other is held.
        if (b.Length == 1 && b.Rank <= a.Rank && (a.IsDeferred || defer && CanHold(a)))
            return Fused(new ScalarRightRecipe<TOp>(Held(a), b.Data[0]), a.Shape, defer);
        if (a.Length == 1 && a.Rank <= b.Rank && (b.IsDeferred || defer && CanHold(b)))
            return Fused(new ScalarLeftRecipe<TOp>(a.Data[0], Held(b)), b.Shape, defer);
        return null;
    }

    /// <summary>d = op(a, scalar b) into a new tensor, deferred when asked and possible.</summary>
    public static Tensor ScalarRight<TOp>(Tensor a, float b, bool defer = false) where TOp : IBinaryOperator<TOp>
    {
        if (a.IsDeferred || defer && CanHold(a)) return Fused(new ScalarRightRecipe<TOp>(Held(a), b), a.Shape, defer);
        var result = Tensor.Allocate(a.Shape.AsSpan().ToArray());
        if (a.Length > 0) ScalarRight<TOp>(a.Data, b, result.Data, a.Length);
        return result;
    }

    /// <summary>d = op(scalar a, b) into a new tensor, deferred when asked and possible.</summary>
    public static Tensor ScalarLeft<TOp>(float a, Tensor b, bool defer = false) where TOp : IBinaryOperator<TOp>
    {
        if (b.IsDeferred || defer && CanHold(b)) return Fused(new ScalarLeftRecipe<TOp>(a, Held(b)), b.Shape, defer);
        using var s = Tensor.Scalar(a);
        var result = Tensor.Allocate(b.Shape.AsSpan().ToArray());
        BinaryInto<TOp>(s, b, result);
        return result;
    }

    /// <summary>A deferred op may read a tensor later only if its values never change and it is large enough to be worth it.</summary>
    private static bool CanHold(Tensor x) => x.IsHoldable && x.Length >= DeferThreshold;
    private static bool Holdable(Tensor x) => x.IsDeferred || CanHold(x);

    /// <summary>The operand, held by the recipe being made; one as deep as a recipe may be is computed first.</summary>
    private static Tensor Held(Tensor x)
    {
        if (x.DeferredDepth >= ElementwiseRecipe.MaxDepth || 2 * x.DeferredCost >= ElementwiseRecipe.MaxCost) x.Materialize();
        x.Hold();
        return x;
    }

    private static Tensor Fused(ElementwiseRecipe recipe, int[] shape, bool defer)
    {
        var result = new Tensor(shape.AsSpan().ToArray(), recipe);
        // Not deferred: computed now, through the deferred operands in one pass; the recipe is let go of at once.
        if (!defer) result.Materialize();
        return result;
    }

    internal static int Chunks(int length) => Math.Min(Environment.ProcessorCount * 2, Math.Max(1, length / (ParallelThreshold / 2)));

    private static (int Start, int Count) Chunk(int chunk, int length) => Chunk(chunk, Chunks(length), length);

    internal static (int Start, int Count) Chunk(int chunk, int chunks, int length)
    {
        // Chunk boundaries on multiples of 16 floats keep every chunk's SIMD loads aligned alike.
        var size = (length / chunks + 15) & ~15;
        var start = Math.Min(length, chunk * size);
        return (start, Math.Min(size, length - start));
    }
}
