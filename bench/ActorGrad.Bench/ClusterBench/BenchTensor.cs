using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using ActorGrad.Cluster.Lanes;
using Akka.Actor;
using Akka.Serialization;

namespace ActorGrad.Bench.ClusterBench;

/// <summary>A tensor as the benchmark sends it: float32 values in storage from a pool, as ActorGrad's tensors.</summary>
internal sealed record BenchTensor(float[] Values);

/// <summary>Storage by exact length; the sink gives a tensor's storage back once it has counted it.</summary>
internal static class BenchTensorPool
{
    private static readonly ConcurrentDictionary<int, ConcurrentBag<float[]>> Free = new();

    public static float[] Rent(int length) =>
        Free.TryGetValue(length, out var bag) && bag.TryTake(out var values) ? values : GC.AllocateUninitializedArray<float>(length);

    public static void Return(float[] values) => Free.GetOrAdd(values.Length, _ => []).Add(values);
}

/// <summary>
/// Raw little-endian float32 bytes, as the project's tensor serializer: writes into the lane's rented buffer
/// (<see cref="IBufferSerializer"/>) and decodes into pooled storage, keeping nothing of its input (so it is
/// listed in <see cref="TensorLaneSettings.CopyingSerializerIds"/>).
/// </summary>
internal sealed class BenchTensorSerializer(ExtendedActorSystem system) : Serializer(system), IBufferSerializer
{
    public const int Id = 4711;

    public override int Identifier => Id;

    public override bool IncludeManifest => false;

    public override byte[] ToBinary(object obj) => MemoryMarshal.AsBytes(((BenchTensor)obj).Values.AsSpan()).ToArray();

    public override object FromBinary(byte[] bytes, Type? type)
    {
        var values = BenchTensorPool.Rent(bytes.Length / 4);
        bytes.AsSpan().CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
        return new BenchTensor(values);
    }

    public int BinarySize(object message) => 4 * ((BenchTensor)message).Values.Length;

    public void WriteBinary(object message, Span<byte> destination) =>
        MemoryMarshal.AsBytes(((BenchTensor)message).Values.AsSpan()).CopyTo(destination);
}
