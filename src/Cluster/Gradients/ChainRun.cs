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
/// as a copy until then.
/// </summary>
internal sealed class ChainRun
{
    private readonly Tensor[]?[] _waiting; // shards in before their turn (copies)
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
    /// A shard's gradients (spec order of parameters): added to the sum now if it is their turn, else kept as a copy.
    /// <paramref name="gradients"/> is only read during the call (the session that computed it runs the next shard).
    /// Throws <see cref="InvalidOperationException"/> when the shapes do not match the sum's.
    /// </summary>
    public void Add(int shard, IReadOnlyList<Tensor> gradients)
    {
        if (shard < _next || _waiting[shard - First] is not null) return; // a second run of a shard adds the same bits: counted once
        if (shard == _next && (_sum is not null || First == 0))
        {
            if (_sum is null) _sum = [.. gradients.Select(g => g.Clone())]; // shard 0 starts the sum with its own values
            else AddInto(_sum, gradients, $"shard {shard}");
            _next++;
            AddWaiting();
        }
        else _waiting[shard - First] = [.. gradients.Select(g => g.Clone())];
    }

    /// <summary>The sum of shards 0..First-1 (spec order of parameters), taken over by this run.</summary>
    public void Before(Tensor[] sum)
    {
        if (First == 0 || _sum is not null) return;
        _sum = sum;
        AddWaiting();
    }

    /// <summary>The sum of shards 0..Last once every piece is in, the first time it is; null otherwise.</summary>
    public Tensor[]? TryFold()
    {
        if (_folded || _next <= Last || _sum is null) return null;
        _folded = true;
        var sum = _sum;
        _sum = null;
        return sum;
    }

    private void AddWaiting()
    {
        while (_next <= Last && _waiting[_next - First] is { } kept)
        {
            _waiting[_next - First] = null;
            if (_sum is null) _sum = kept;
            else
            {
                AddInto(_sum, kept, $"shard {_next}");
                foreach (var t in kept) t.Dispose();
            }
            _next++;
        }
    }

    private static void AddInto(Tensor[] sum, IReadOnlyList<Tensor> piece, string what)
    {
        if (piece.Count != sum.Length)
            throw new InvalidOperationException($"The gradients of {what} are {piece.Count} tensors; the sum before them has {sum.Length}.");
        for (var i = 0; i < sum.Length; i++)
            if (!sum[i].Shape.AsSpan().SequenceEqual(piece[i].Shape))
                throw new InvalidOperationException(
                    $"Parameter {i}'s gradient of {what} has shape {Shapes.Format(piece[i].Shape)}; the sum before it has {Shapes.Format(sum[i].Shape)}.");
        for (var i = 0; i < sum.Length; i++) TensorOps.AddInPlace(sum[i], piece[i]);
    }
}
