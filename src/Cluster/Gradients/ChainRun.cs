using System.Collections.Immutable;
using ActorGrad.Engine.Tensors;

namespace ActorGrad.Cluster.Gradients;

/// <summary>
/// One member's part of a step's chain in one round: its contiguous run of shards <see cref="First"/>..<see cref="Last"/>,
/// their gradients as the shards finish, and the sum of shards 0..First-1 once the previous run's worker sends it.
/// <see cref="TryFold"/> adds them in shard order, exactly as one actor adding every shard 0..S-1 in turn would (starting
/// from shard 0's own values: 0 + x would turn -0 into +0), so the batch gradient has the same bits on any number of
/// members while each member sends its sum once.
/// </summary>
internal sealed class ChainRun
{
    private readonly Tensor[]?[] _gradients;
    private Tensor[]? _before;
    private bool _folded;

    public ChainRun(int round, int first, int last, string next, ImmutableArray<string> owners)
    {
        Round = round;
        First = first;
        Last = last;
        Next = next;
        Owners = owners;
        _gradients = new Tensor[]?[last - first + 1];
    }

    public int Round { get; }
    public int First { get; }
    public int Last { get; }
    /// <summary>The next run's worker (an actor path), or empty for the last run, whose sum goes to the owners.</summary>
    public string Next { get; }
    public ImmutableArray<string> Owners { get; }

    /// <summary>Keeps a shard's gradients (copies: the session that computed them runs the next shard).</summary>
    public void Add(int shard, IReadOnlyList<Tensor> gradients) => _gradients[shard - First] ??= [.. gradients.Select(g => g.Clone())];

    /// <summary>The sum of shards 0..First-1 (spec order of parameters).</summary>
    public void Before(Tensor[] sum) => _before ??= sum;

    /// <summary>The sum of shards 0..Last once every piece is in, the first time it is; null otherwise.</summary>
    public Tensor[]? TryFold()
    {
        if (_folded || Array.Exists(_gradients, g => g is null) || (First > 0 && _before is null)) return null;
        _folded = true;
        var sum = _before ?? [.. _gradients[0]!.Select(g => g.Clone())];
        for (var k = _before is null ? 1 : 0; k < _gradients.Length; k++)
            for (var i = 0; i < sum.Length; i++)
            {
                var next = TensorOps.Add(sum[i], _gradients[k]![i]);
                sum[i].Dispose();
                sum[i] = next;
            }
        foreach (var g in _gradients) foreach (var t in g!) t.Dispose();
        Array.Clear(_gradients);
        _before = null;
        return sum;
    }
}
