using ActorGrad.Engine.Tensors;
using BenchmarkDotNet.Attributes;

namespace ActorGrad.Bench.Micro;

/// <summary>GEMM 512^3 on one and two threads, and element-wise ops on 2^20 floats.</summary>
[MemoryDiagnoser]
public class TensorBenchmarks
{
    private IDisposable? _threads;
    private Tensor _a = null!, _b = null!, _x = null!, _y = null!;

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _a = Tensor.RandomNormal(1, 512, 512);
        _b = Tensor.RandomNormal(2, 512, 512);
        _x = Tensor.RandomNormal(3, 1 << 20);
        _y = Tensor.RandomNormal(4, 1 << 20);
        // Set on the thread that runs the benchmark methods (an AsyncLocal set outside an async method stays set).
        _threads = ComputeThreads.Limit(Threads);
    }

    [GlobalCleanup]
    public void Cleanup() => _threads?.Dispose();

    [Benchmark] public void Gemm512() => TensorOps.MatMul(_a, _b).Dispose();
    [Benchmark] public void Add1M() => TensorOps.Add(_x, _y).Dispose();
    [Benchmark] public void Exp1M() => TensorOps.Exp(_x).Dispose();
}
