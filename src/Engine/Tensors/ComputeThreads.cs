namespace ActorGrad.Engine.Tensors;

/// <summary>
/// How many threads one kernel call (a GEMM, an element-wise pass) may spread over: every core .NET sees, unless the
/// caller limits it. A limit holds for the calling flow and the work it starts (an AsyncLocal, like
/// <see cref="KernelIsa.Force"/>), and nowhere else: a cluster member that shares its host with other members runs its
/// shard passes on fewer threads than the in-process code beside it. The thread count never changes a result's bits:
/// a GEMM splits its output, never a sum, and element-wise ops have nothing to add up.
/// </summary>
public static class ComputeThreads
{
    private static readonly AsyncLocal<int?> Limited = new();
    // One options object per thread count: Parallel.For reads them only; no allocation per call.
    private static readonly ParallelOptions?[] Options = new ParallelOptions?[65];

    /// <summary>The threads a kernel called from here may use now.</summary>
    public static int Current => Limited.Value ?? Environment.ProcessorCount;

    /// <summary>Until the returned scope is disposed, kernels called from this flow use at most <paramref name="threads"/> threads.</summary>
    public static IDisposable Limit(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        var previous = Limited.Value;
        Limited.Value = threads;
        return new Restore(previous);
    }

    /// <summary>Runs <paramref name="body"/> for 0..count-1 on at most <see cref="Current"/> threads; on the calling thread alone when that is one.</summary>
    internal static void For(int count, Action<int> body)
    {
        var threads = Math.Min(Current, count);
        if (threads <= 1)
        {
            for (var i = 0; i < count; i++) body(i);
            return;
        }
        var options = threads < Options.Length
            ? Options[threads] ??= new ParallelOptions { MaxDegreeOfParallelism = threads }
            : new ParallelOptions { MaxDegreeOfParallelism = threads };
        Parallel.For(0, count, options, body);
    }

    private sealed class Restore(int? previous) : IDisposable
    {
        private bool _disposed;
        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            Limited.Value = previous;
        }
    }
}
