using System.Collections.Immutable;
using ActorGrad.Engine.Tensors;

namespace ActorGrad.Cluster.Gradients;

/// <summary>
/// One member's part of a step's chain in one round: its contiguous run of shards <see cref="First"/>..<see cref="Last"/>
/// and the sum of shards 0..First-1 that the previous run's worker sends. It keeps one running sum and adds each piece
/// as soon as every piece before it is in, in shard order, exactly as one actor adding every shard 0..S-1 in turn would
/// (starting from shard 0's own values: 0 + x would turn -0 into +0). So the batch gradient has the same bits on any
/// number of members, each member sends its sum once, and the adding overlaps the run's later shards instead of
/// waiting for the last one. A shard that arrives before its turn (its run's earlier sum is still on its way) is kept
/// until then.
/// Ownership: every piece given to <see cref="Add"/> or <see cref="Before"/> becomes the run's (no copy is made): it is
/// either the sum itself, or added into it and disposed; the sum goes to whoever takes it from <see cref="TryFold"/>;
/// whatever the run still holds when it is abandoned goes back to the pool in <see cref="Dispose"/>.
/// </summary>
internal sealed class ChainRun : IDisposable
{
    private readonly Tensor[]?[] _waiting; // shards in before their turn
    private Tensor[]? _sum; // shards 0.._next-1
    private int _next;
    private bool _folded;

    public ChainRun(int round, int first, int last, string next, ImmutableArray<string> owners)
    {
        Round = round;
        First = first;
        Last = last;
        Next = next;
        Owners = owners;
        _waiting = new Tensor[]?[last - first + 1];
        _next = first;
    }

    public int Round { get; }
    public int First { get; }
    public int Last { get; }
    /// <summary>The next run's worker (an actor path), or empty for the last run, whose sum goes to the owners.</summary>
    public string Next { get; }
    public ImmutableArray<string> Owners { get; }

    /// <summary>
    /// A shard's gradients (spec order of parameters), taken over: added to the sum now if it is their turn (shard 0's
    /// become the sum), else kept until then; a second run of a shard is disposed. Throws
    /// <see cref="InvalidOperationException"/> when the shapes do not match the sum's (the piece is disposed).
    /// </summary>
    public void Add(int shard, Tensor[] gradients)
    {
        if (_folded || shard < _next || shard > Last || _waiting[shard - First] is not null)
        {
            Release(gradients); // a second run of a shard adds the same bits: counted once
            return;
        }
        if (shard == _next && (_sum is not null || First == 0))
        {
            if (_sum is null) _sum = gradients; // shard 0 starts the sum with its own values
            else AddInto(_sum, gradients, $"shard {shard}");
            _next++;
            AddWaiting();
        }
        else _waiting[shard - First] = gradients;
    }

    /// <summary>The sum of shards 0..First-1 (spec order of parameters), taken over by this run (disposed if not needed).</summary>
    public void Before(Tensor[] sum)
    {
        if (First == 0 || _sum is not null || _folded)
        {
            Release(sum);
            return;
        }
        _sum = sum;
        AddWaiting();
    }

    /// <summary>The sum of shards 0..Last once every piece is in, the first time it is (the caller owns it from then on); null otherwise.</summary>
    public Tensor[]? TryFold()
    {
        if (_folded || _next <= Last || _sum is null) return null;
        _folded = true;
        var sum = _sum;
        _sum = null;
        return sum;
    }

    /// <summary>The run is abandoned (its job ended, or a newer round replaced it): what it holds goes back to the pool.</summary>
    public void Dispose()
    {
        _folded = true;
        if (_sum is { } sum) Release(sum);
        _sum = null;
        for (var i = 0; i < _waiting.Length; i++)
        {
            if (_waiting[i] is { } kept) Release(kept);
            _waiting[i] = null;
        }
    }

    private void AddWaiting()
    {
        while (_next <= Last && _waiting[_next - First] is { } kept)
        {
            _waiting[_next - First] = null;
            if (_sum is null) _sum = kept;
            else AddInto(_sum, kept, $"shard {_next}");
            _next++;
        }
    }

    /// <summary>Adds <paramref name="piece"/> into <paramref name="sum"/> and disposes the piece (also when it does not fit).</summary>
    private static void AddInto(Tensor[] sum, Tensor[] piece, string what)
    {
        try
        {
            if (piece.Length != sum.Length)
                throw new InvalidOperationException($"The gradients of {what} are {piece.Length} tensors; the sum before them has {sum.Length}.");
            for (var i = 0; i < sum.Length; i++)
                if (!sum[i].Shape.AsSpan().SequenceEqual(piece[i].Shape))
                    throw new InvalidOperationException(
                        $"Parameter {i}'s gradient of {what} has shape {Shapes.Format(piece[i].Shape)}; the sum before it has {Shapes.Format(sum[i].Shape)}.");
            for (var i = 0; i < sum.Length; i++) TensorOps.AddInPlace(sum[i], piece[i]);
        }
        finally
        {
            Release(piece);
        }
    }

    private static void Release(Tensor[] tensors)
    {
        foreach (var t in tensors) t.Dispose();
    }
}
