using System.Collections.Immutable;
using ActorGrad.Engine.Tensors;
using ActorGrad.Protocol.Tensors;

namespace ActorGrad.Cluster.Gradients;

/// <summary>
/// A prepared step's parameter values on one member (spec order), decoded once and read by the member's shard worker
/// and by the owners placed there, each on its own thread. Each reader holds a lease (<see cref="Acquire"/>) and gives
/// it back when it is done with the job (<see cref="Release"/>); the storage goes back to the pool with the last
/// lease, so the next step's parameters decode into the same arrays and no reader ever sees them reused. Values that
/// are live tensors of this process (a coordinator in the same member sent the message object itself) are the
/// sender's and are never disposed here.
/// </summary>
internal sealed class SharedParameters
{
    private readonly bool[] _owned;
    private int _leases = 1;

    /// <summary>Decodes <paramref name="payloads"/>; the creator holds the first lease.</summary>
    public SharedParameters(ImmutableArray<ITensorPayload> payloads)
    {
        var values = payloads.IsDefault ? [] : payloads;
        var tensors = new Tensor[values.Length];
        _owned = new bool[values.Length];
        for (var i = 0; i < tensors.Length; i++) tensors[i] = ReceivedTensors.Read(values[i], out _owned[i]);
        Values = ImmutableArray.Create(tensors);
    }

    /// <summary>The values; read only, and only while holding a lease.</summary>
    public ImmutableArray<Tensor> Values { get; }

    /// <summary>One more lease, for a reader that is about to be given these values.</summary>
    public SharedParameters Acquire()
    {
        var leases = Volatile.Read(ref _leases);
        while (true)
        {
            if (leases <= 0) throw new InvalidOperationException("These parameters were released by every reader; their storage is back in the pool.");
            var seen = Interlocked.CompareExchange(ref _leases, leases + 1, leases);
            if (seen == leases) return this;
            leases = seen;
        }
    }

    /// <summary>A reader is done with the values; the last one gives their storage back.</summary>
    public void Release()
    {
        var left = Interlocked.Decrement(ref _leases);
        if (left > 0) return;
        if (left < 0) throw new InvalidOperationException("A parameters lease was released twice.");
        ReceivedTensors.Release(Values, _owned);
    }
}
