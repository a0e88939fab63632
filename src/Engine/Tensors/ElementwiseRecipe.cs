namespace ActorGrad.Engine.Tensors;

/// <summary>
/// How a deferred tensor's values come from its operands: one element-wise op over operands of its own shape
/// (computed, or deferred themselves) and scalars. A chain of them is evaluated block by block: each block of the
/// result is computed through the whole chain while it is in the L1 cache, so the chain reads its computed
/// operands once and writes the result once, however many ops it has. Every op runs the same span kernel on the
/// same values as it would alone, so the result is bit for bit the op-by-op one.
/// </summary>
internal abstract class ElementwiseRecipe
{
    /// <summary>Floats per block: the block, an operand's block and the scratch of a few levels stay in L1.</summary>
    internal const int BlockLength = 2048;
    /// <summary>At most this many deferred ops in a row; a longer chain computes its operand first (bounds the scratch and the recursion).</summary>
    internal const int MaxDepth = 8;
    /// <summary>
    /// At most this many ops per element in one evaluation: an operand read twice (a gradient that took two paths)
    /// is evaluated twice, so a chain of such joins would grow without end; an operand of half this cost is computed first.
    /// </summary>
    internal const int MaxCost = 16;

    [ThreadStatic] private static float[]? _scratch;

    protected ElementwiseRecipe(int depth, int cost)
    {
        Depth = depth;
        Cost = cost;
    }

    /// <summary>1 + the deepest deferred operand's depth.</summary>
    public int Depth { get; }

    /// <summary>Ops per element: 1 + the deferred operands' costs.</summary>
    public int Cost { get; }

    /// <summary>Writes the result's elements [start, start + d.Length) into <paramref name="d"/>, with <paramref name="scratch"/> for deferred operands.</summary>
    protected abstract void Evaluate(int start, Span<float> d, Span<float> scratch);

    /// <summary>Lets go of the operands (the deferred tensor was computed or torn down).</summary>
    public abstract void ReleaseOperands();

    /// <summary>The operand's elements [start, start + buffer.Length): its storage when computed, else evaluated into <paramref name="buffer"/>.</summary>
    protected static ReadOnlySpan<float> Operand(Tensor x, int start, Span<float> buffer, Span<float> scratch)
    {
        if (x.HeldData is { } data) return data.AsSpan(start, buffer.Length);
        x.HeldRecipe!.Evaluate(start, buffer, scratch);
        return buffer;
    }

    /// <summary>Computes all <paramref name="length"/> elements into <paramref name="d"/>, split over the cores as the element-wise driver splits an op.</summary>
    public static void Evaluate(ElementwiseRecipe recipe, float[] d, int length)
    {
        if (length == 0) return;
        if (length < ElementwiseDriver.ParallelThreshold)
        {
            EvaluateRange(recipe, d, 0, length);
            return;
        }
        var chunks = ElementwiseDriver.Chunks(length);
        ComputeThreads.For(chunks, c =>
        {
            var (start, count) = ElementwiseDriver.Chunk(c, chunks, length);
            EvaluateRange(recipe, d, start, count);
        });
    }

    private static void EvaluateRange(ElementwiseRecipe recipe, float[] d, int start, int count)
    {
        var scratch = _scratch ??= new float[BlockLength * MaxDepth];
        for (var offset = start; offset < start + count; offset += BlockLength)
        {
            var n = Math.Min(BlockLength, start + count - offset);
            recipe.Evaluate(offset, d.AsSpan(offset, n), scratch);
        }
    }
}

/// <summary>d = op(x).</summary>
internal sealed class UnaryRecipe<TOp>(Tensor x) : ElementwiseRecipe(1 + x.DeferredDepth, 1 + x.DeferredCost) where TOp : IUnaryOperator<TOp>
{
    protected override void Evaluate(int start, Span<float> d, Span<float> scratch) => TOp.Invoke(Operand(x, start, d, scratch), d);
    public override void ReleaseOperands() => x.Release();
}

/// <summary>d = op(a, b), both of the result's shape.</summary>
internal sealed class BinaryRecipe<TOp>(Tensor a, Tensor b)
    : ElementwiseRecipe(1 + Math.Max(a.DeferredDepth, b.DeferredDepth), 1 + a.DeferredCost + (ReferenceEquals(a, b) ? 0 : b.DeferredCost)) where TOp : IBinaryOperator<TOp>
{
    protected override void Evaluate(int start, Span<float> d, Span<float> scratch)
    {
        var x = Operand(a, start, d, scratch);
        // The second operand into the scratch's first block, its own operands into the rest (a's are done by then).
        var y = ReferenceEquals(a, b) ? x : Operand(b, start, scratch[..d.Length], scratch[BlockLength..]);
        TOp.Invoke(x, y, d);
    }

    public override void ReleaseOperands()
    {
        a.Release();
        b.Release();
    }
}

/// <summary>d = op(a, b) for a scalar b.</summary>
internal sealed class ScalarRightRecipe<TOp>(Tensor a, float b) : ElementwiseRecipe(1 + a.DeferredDepth, 1 + a.DeferredCost) where TOp : IBinaryOperator<TOp>
{
    protected override void Evaluate(int start, Span<float> d, Span<float> scratch) => TOp.Invoke(Operand(a, start, d, scratch), b, d);
    public override void ReleaseOperands() => a.Release();
}

/// <summary>d = op(a, b) for a scalar a.</summary>
internal sealed class ScalarLeftRecipe<TOp>(float a, Tensor b) : ElementwiseRecipe(1 + b.DeferredDepth, 1 + b.DeferredCost) where TOp : IBinaryOperator<TOp>
{
    protected override void Evaluate(int start, Span<float> d, Span<float> scratch) => TOp.Invoke(a, Operand(b, start, d, scratch), d);
    public override void ReleaseOperands() => b.Release();
}

/// <summary>d = a constant (a scalar broadcast to the result's shape: the backward of a sum).</summary>
internal sealed class FillRecipe(float value) : ElementwiseRecipe(1, 1)
{
    protected override void Evaluate(int start, Span<float> d, Span<float> scratch) => d.Fill(value);
    public override void ReleaseOperands() { }
}
