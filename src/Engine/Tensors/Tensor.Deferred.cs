namespace ActorGrad.Engine.Tensors;

/// <summary>
/// Deferred values and the lifetime rules they need. A deferred tensor knows its shape at once and computes its
/// values when they are first read (<see cref="Data"/>, <see cref="Span"/>, <see cref="Materialize"/>), so that a
/// chain of element-wise ops can run as one pass over the data (<see cref="ElementwiseRecipe"/>) and values nobody
/// reads are never written. Until then it holds its operands: an operand's storage (or recipe) outlives the
/// operand's Dispose for as long as a deferred tensor may still read it. Only tensors whose values never change
/// again are held (<see cref="MarkReadOnly"/>): a deferred value is the value its operands had when it was made.
/// </summary>
public sealed partial class Tensor
{
    private const int DisposedBit = 1, HoldUnit = 2;
    // Bit 0: disposed; the rest: how many deferred tensors hold this one (in units of 2).
    private int _state;
    private ElementwiseRecipe? _recipe;
    private bool _readOnly;
    // A view of a caller's storage (Borrow): never written, never given back to the pool by this tensor.
    private bool _borrowed;

    internal Tensor(int[] shape, ElementwiseRecipe recipe)
    {
        _shape = shape;
        Length = Shapes.ElementCount(shape);
        _recipe = recipe;
        _readOnly = true;
    }

    /// <summary>True while the values have not been computed yet (the first read computes them).</summary>
    public bool IsDeferred => _data is null && _recipe is not null;

    /// <summary>True when in-place ops must not write into this tensor: the owner promised the values never change again (a node's computed value), or it views a caller's storage (<see cref="Borrow"/>).</summary>
    public bool IsReadOnly => _readOnly || _borrowed;

    /// <summary>May a deferred op hold this tensor and read it later? Only when the owner promised its values never change again.</summary>
    internal bool IsHoldable => _readOnly && !_borrowed;

    /// <summary>True for a view of another tensor's storage (<see cref="Borrow"/>).</summary>
    public bool IsBorrowed => _borrowed;

    /// <summary>
    /// A read-only view of <paramref name="source"/>'s values without a copy, for a pass over a caller's tensor that the
    /// caller does not change meanwhile: in-place ops refuse it, <see cref="TakeWritable"/> copies it, and disposing it
    /// leaves the storage to <paramref name="source"/>. Deferral treats it as the writable copy it replaces (never held),
    /// so results are bitwise those of a pass over a copy.
    /// </summary>
    public static Tensor Borrow(Tensor source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new Tensor(source._shape, source.Data) { _borrowed = true };
    }

    /// <summary>Promises that the values will not be written again, so deferred ops may hold this tensor instead of reading it at once.</summary>
    public void MarkReadOnly() => _readOnly = true;

    /// <summary>Computes a deferred tensor's values now (nothing to do for any other).</summary>
    public void Materialize() => _ = Data;

    /// <summary>
    /// For the sole owner of a tensor that wants to write into it (a gradient it accumulates): this tensor, computed and
    /// writable, when no deferred tensor reads it; else a writable copy, and this one is disposed.
    /// </summary>
    public Tensor TakeWritable()
    {
        if (_borrowed)
        {
            var own = Clone();
            Dispose();
            return own;
        }
        if (!_readOnly) return this;
        Materialize();
        if (Volatile.Read(ref _state) == 0)
        {
            _readOnly = false;
            return this;
        }
        var copy = Clone();
        Dispose();
        return copy;
    }

    /// <summary>How many deferred element-wise ops stand between this tensor's values and computed storage (0: computed).</summary>
    internal int DeferredDepth => _data is null && _recipe is { } r ? r.Depth : 0;
    /// <summary>How many ops per element computing this tensor's values takes (0: computed).</summary>
    public int DeferredCost => _data is null && _recipe is { } r ? r.Cost : 0;

    /// <summary>For a recipe that holds this tensor: the computed values, or null with <see cref="HeldRecipe"/> to compute them from.</summary>
    internal float[]? HeldData => _data;
    internal ElementwiseRecipe? HeldRecipe => _recipe;

    /// <summary>A deferred tensor starts holding this one (call only while this one is not disposed).</summary>
    internal void Hold()
    {
        var before = Interlocked.Add(ref _state, HoldUnit) - HoldUnit;
        if ((before & DisposedBit) != 0)
        {
            Release();
            throw new ObjectDisposedException(nameof(Tensor), "This tensor has been disposed; its storage went back to the pool.");
        }
    }

    /// <summary>A deferred tensor no longer reads this one: a disposed tensor lets go of its storage with the last holder.</summary>
    internal void Release()
    {
        if (Interlocked.Add(ref _state, -HoldUnit) == DisposedBit) TearDown();
    }

    public void Dispose()
    {
        var before = Interlocked.Or(ref _state, DisposedBit);
        if ((before & DisposedBit) != 0) return;
        if (before == 0) TearDown(); // else the last deferred tensor that holds this one does it
    }

    private void TearDown()
    {
        if (Interlocked.Exchange(ref _data, null) is { } data && !_borrowed) TensorStorage.Return(data, Length);
        Interlocked.Exchange(ref _recipe, null)?.ReleaseOperands();
    }

    private float[] DataSlow()
    {
        if ((Volatile.Read(ref _state) & DisposedBit) != 0 || _recipe is not { } recipe)
            throw new ObjectDisposedException(nameof(Tensor), "This tensor has been disposed; its storage went back to the pool.");
        float[] data;
        lock (recipe)
        {
            if (_data is { } done) return done;
            data = TensorStorage.Rent(Length, clear: false);
            ElementwiseRecipe.Evaluate(recipe, data, Length);
            Volatile.Write(ref _data, data);
        }
        // The operands are let go of now unless a deferred tensor that holds this one may be reading the recipe
        // (it keeps it until this tensor is torn down); one that starts holding later finds the data.
        if (Volatile.Read(ref _state) >> 1 == 0) Interlocked.Exchange(ref _recipe, null)?.ReleaseOperands();
        return data;
    }
}
