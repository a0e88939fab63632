using System.Diagnostics;
using System.Globalization;
using ActorGrad.Engine.Dispatch;
using ActorGrad.Engine.Tensors;
using Akka.Actor;
using Akka.Configuration;

namespace ActorGrad.Bench.Micro;

/// <summary>
/// Quick Stopwatch figures for BENCHMARKS.md (best of several rounds): GEMM GFLOP/s, element-wise
/// GB/s, Akka actor spawn and ping-pong on our calling-thread dispatcher and on Akka's default one,
/// and the per-op cost of a recorded chain (long against short).
/// </summary>
internal static class MicroBenchmarks
{
    /// <summary>All figures, or only the groups named (gemm, mlp, elementwise, actors, chain, memory).</summary>
    public static int Run(string[] groups)
    {
        string[] known = ["gemm", "mlp", "elementwise", "actors", "chain", "memory"];
        if (groups.FirstOrDefault(g => !known.Contains(g)) is { } unknown)
        {
            Console.Error.WriteLine($"micro: unknown group '{unknown}'; the groups are {string.Join(", ", known)}.");
            return 2;
        }
        bool Wanted(string group) => groups.Length == 0 || groups.Contains(group);
        MachineReport.Print(Console.Out, probe: Wanted("gemm"));
        if (Wanted("gemm")) GemmFigures();
        if (Wanted("mlp")) MlpBreakdown.Run(Report);
        if (Wanted("elementwise")) Elementwise();
        if (Wanted("actors")) Actors();
        if (Wanted("chain")) Chains();
        if (Wanted("memory")) Memory();
        return 0;
    }

    /// <summary>GFLOP/s of 512^3 on one and two threads, and the share of the measured FMA peak they reach.</summary>
    private static void GemmFigures()
    {
        var one = Gflops(512, threads: 1);
        var two = Gflops(512, threads: 2);
        Report("gemm_512_1thread_gflops", one);
        Report("gemm_512_2threads_gflops", two);
        Report("gemm_512_2threads_over_1thread", two / one);
        if (MachineReport.MeasuredPeak(1) is { } peak1 && MachineReport.MeasuredPeak(2) is { } peak2)
        {
            Report("gemm_512_1thread_pct_of_measured_fma_peak", 100 * one / peak1);
            Report("gemm_512_2threads_pct_of_measured_fma_peak", 100 * two / peak2);
        }
    }

    private static void Elementwise()
    {
        // One thread, no tensor: the kernels alone.
        Report("tensorprimitives_add_1M_gbps", SpanGbps(3, (x, y, d) => System.Numerics.Tensors.TensorPrimitives.Add(x, y, d)));
        Report("tensorprimitives_exp_1M_gbps", SpanGbps(2, (x, _, d) => System.Numerics.Tensors.TensorPrimitives.Exp(x, d)));
        Report("vectormath_exp_1M_gbps", SpanGbps(2, (x, _, d) => VectorMath.Exp(x, d)));
        Report("tensorprimitives_tanh_1M_gbps", SpanGbps(2, (x, _, d) => System.Numerics.Tensors.TensorPrimitives.Tanh(x, d)));
        Report("vectormath_tanh_1M_gbps", SpanGbps(2, (x, _, d) => VectorMath.Tanh(x, d)));
        // Two multiplies in a row over 4 MiB arrays, whole spans against 64 KiB pieces: TensorPrimitives stores a
        // span above 256 KiB non-temporally, past the caches. Alone, pieces win (the second op reads from L3); in
        // eltwise_1M, whose live tensors far exceed L3, whole spans won (BENCHMARKS.md), so the driver keeps them.
        Report("tensorprimitives_mul_chain_1M_whole_gbps", SpanGbps(3, (x, y, d) => ChainOfMultiplies(x, y, d, x.Length)));
        Report("tensorprimitives_mul_chain_1M_64KiB_pieces_gbps", SpanGbps(3, (x, y, d) => ChainOfMultiplies(x, y, d, 16 * 1024)));
        Report("tensorops_add_1M_gbps", TensorOpsGbps());
        ElementwiseBreakdown.Run(Report);
    }

    private static void Actors()
    {
        var system = ActorSystem.Create("micro", ConfigurationFactory.ParseString("akka.loglevel = WARNING").WithFallback(NodeDispatcher.Config));
        try
        {
            foreach (var (name, dispatcher) in new[] { ("callingthread", NodeDispatcher.Id), ("default", Akka.Dispatch.Dispatchers.DefaultDispatcherId) })
            {
                var (us, bytes) = SpawnMessageStop(system, dispatcher);
                Report($"akka_spawn_message_stop_{name}_us", us);
                Report($"akka_spawn_message_stop_{name}_bytes", bytes);
                Report($"akka_ping_pong_hop_{name}_us", PingPongHop(system, dispatcher));
                Report($"akka_ask_round_trip_{name}_us", AskRoundTrip(system, dispatcher));
            }
        }
        finally { system.Terminate().Wait(); }
    }

    /// <summary>Per op: record a chain of <c>length</c> additions and backpropagate through it, in a session with a warm node pool.</summary>
    private static void Chains()
    {
        Report("session_create_record_dispose_us", Best(5, () =>
        {
            for (var i = 0; i < 200; i++)
            {
                using var session = new Nodes.Session();
                var x = session.Scalar(2f).RequiresGrad();
                (x * x).Backward();
            }
        }) / 200 * 1e6);
        using var s = new Nodes.Session();
        Report("chain_100_record_backward_per_op_us", ChainPerOp(s, 100, repeats: 1000));
        Report("chain_100000_record_backward_per_op_us", ChainPerOp(s, 100_000, repeats: 1));
        if (Environment.GetEnvironmentVariable("CHAIN_DETAIL") is not null) ChainDetail(s);
    }

    private static void ChainDetail(Nodes.Session s)
    {
        var x = s.Scalar(1f).RequiresGrad();
        foreach (var n in new[] { 100_000, 100_000, 10_000, 1000 })
        {
            var reps = 100_000 / n;
            var (g0, g1, g2) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
            var pause = GC.GetTotalPauseDuration();
            double rec = 0, back = 0;
            for (var r = 0; r < reps; r++)
            {
                var w = Stopwatch.StartNew();
                var y = x;
                for (var i = 0; i < n; i++) y = y + 0f;
                rec += w.Elapsed.TotalSeconds;
                w.Restart();
                y.Backward();
                back += w.Elapsed.TotalSeconds;
            }
            Console.WriteLine($"n={n} record/op={rec / 1e5 * 1e6:F2}us backward/op={back / 1e5 * 1e6:F2}us gc0={GC.CollectionCount(0) - g0} gc1={GC.CollectionCount(1) - g1} gc2={GC.CollectionCount(2) - g2} pause={(GC.GetTotalPauseDuration() - pause).TotalMilliseconds:F0}ms");
        }
    }

    private static double ChainPerOp(Nodes.Session s, int length, int repeats)
    {
        var x = s.Scalar(1f).RequiresGrad();
        var seconds = Best(5, () =>
        {
            for (var r = 0; r < repeats; r++)
            {
                var y = x;
                for (var i = 0; i < length; i++) y = y + 0f;
                y.Backward();
                x.ZeroGrad();
            }
        });
        return seconds / ((double)length * repeats) * 1e6;
    }

    private static void Memory()
    {
        var (before, after, live) = TrainingMemory(10_000);
        Report("training_10k_steps_heap_before_mb", before);
        Report("training_10k_steps_heap_after_mb", after);
        Report("training_10k_steps_live_actors_after", live);
    }

    /// <summary>Heap size (after a full collection) before and after 10,000 steps of a small training loop, and the live actors left.</summary>
    private static (double Before, double After, double Live) TrainingMemory(int steps)
    {
        using var s = new Nodes.Session();
        var w = s.RandomNormal(16, 8).RequiresGrad();
        var x = s.RandomNormal(32, 16);
        var target = s.RandomNormal(32, 8);
        void Step()
        {
            var loss = Nodes.Var.Mse(x.MatMul(w).Tanh(), target);
            loss.Backward();
            w.Step(0.01f);
            w.ZeroGrad();
        }
        for (var i = 0; i < 100; i++) Step();
        s.Collect();
        var before = GC.GetTotalMemory(forceFullCollection: true) / 1e6;
        for (var i = 0; i < steps; i++) Step();
        s.Collect();
        var after = GC.GetTotalMemory(forceFullCollection: true) / 1e6;
        return (before, after, s.LiveNodeCount);
    }

    private static void Report(string name, double value) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}\t{value:F3}"));

    /// <summary>Best of <paramref name="rounds"/> timings of <paramref name="action"/>, in seconds; by the thread's CPU time with AG_MICRO_CLOCK=cpu when the action runs on this thread alone.</summary>
    private static double Best(int rounds, Action action, bool oneThread = false)
    {
        var threadClock = oneThread && ThreadClock;
        action();
        var best = double.MaxValue;
        for (var i = 0; i < rounds; i++)
        {
            var cpu = threadClock ? CpuClock.ThreadSeconds() : 0;
            var w = Stopwatch.StartNew();
            action();
            var seconds = threadClock ? CpuClock.ThreadSeconds() - cpu : w.Elapsed.TotalSeconds;
            best = Math.Min(best, seconds);
        }
        return best;
    }

    /// <summary>
    /// AG_MICRO_CLOCK=cpu times the one-thread kernel figures (GEMM on one thread, the span kernels) by the thread's CPU time (Linux) instead of the wall clock:
    /// on a machine shared with other work (load far above the core count) a thread waits for a core
    /// most of the time, and only the CPU time says what the kernel costs. Not for multi-thread figures.
    /// </summary>
    private static bool ThreadClock { get; } = Environment.GetEnvironmentVariable("AG_MICRO_CLOCK") == "cpu" && CpuClock.IsAvailable;

    private static double Gflops(int n, int threads)
    {
        using var a = Tensor.RandomNormal(1, n, n);
        using var b = Tensor.RandomNormal(2, n, n);
        using var limit = ComputeThreads.Limit(threads);
        const int reps = 10;
        var seconds = Best(7, () => { for (var i = 0; i < reps; i++) TensorOps.MatMul(a, b).Dispose(); }, oneThread: threads == 1) / reps;
        return 2.0 * n * n * n / seconds / 1e9;
    }

    private static void ChainOfMultiplies(float[] x, float[] y, float[] d, int piece)
    {
        for (var start = 0; start < x.Length; start += piece)
        {
            var n = Math.Min(piece, x.Length - start);
            System.Numerics.Tensors.TensorPrimitives.Multiply(x.AsSpan(start, n), y.AsSpan(start, n), d.AsSpan(start, n));
        }
        for (var start = 0; start < x.Length; start += piece)
        {
            var n = Math.Min(piece, x.Length - start);
            System.Numerics.Tensors.TensorPrimitives.Multiply(d.AsSpan(start, n), y.AsSpan(start, n), x.AsSpan(start, n));
        }
    }

    /// <summary>GB/s of a span kernel over 2^20 random floats (arrays read and written, 4 bytes each), one thread.</summary>
    private static double SpanGbps(int arrays, Action<float[], float[], float[]> kernel)
    {
        var random = new Random(1);
        var x = Enumerable.Range(0, 1 << 20).Select(_ => (float)(random.NextDouble() * 8 - 4)).ToArray();
        var y = Enumerable.Range(0, 1 << 20).Select(_ => (float)(random.NextDouble() * 8 - 4)).ToArray();
        var d = new float[1 << 20];
        const int reps = 20;
        var seconds = Best(7, () => { for (var i = 0; i < reps; i++) kernel(x, y, d); }, oneThread: true) / reps;
        return arrays * 4.0 * x.Length / seconds / 1e9;
    }

    private static double TensorOpsGbps()
    {
        using var x = Tensor.RandomNormal(1, 1 << 20);
        using var y = Tensor.RandomNormal(2, 1 << 20);
        const int reps = 20;
        var seconds = Best(7, () => { for (var i = 0; i < reps; i++) TensorOps.Add(x, y).Dispose(); }) / reps;
        return 3 * 4.0 * x.Length / seconds / 1e9;
    }

    /// <summary>Spawn of a child, one message to it and its stop (the parent sees it terminated): microseconds and bytes allocated per child.</summary>
    private static (double Us, double Bytes) SpawnMessageStop(ActorSystem system, string dispatcher)
    {
        const int count = 20_000;
        var spawner = system.ActorOf(Props.Create(() => new SpawnerActor(Props.Create<IdleActor>().WithDispatcher(dispatcher))).WithDispatcher(dispatcher));
        try
        {
            long bytes = 0;
            var seconds = Best(5, () =>
            {
                var before = GC.GetTotalAllocatedBytes(precise: true);
                spawner.Ask<int>(count, TimeSpan.FromMinutes(1)).GetAwaiter().GetResult();
                bytes = GC.GetTotalAllocatedBytes(precise: true) - before;
            });
            return (seconds / count * 1e6, bytes / (double)count);
        }
        finally { system.Stop(spawner); }
    }

    /// <summary>One hop of a ping-pong between two actors (100,000 hops per round).</summary>
    private static double PingPongHop(ActorSystem system, string dispatcher)
    {
        const int hops = 100_000;
        var ping = system.ActorOf(Props.Create<PingActor>().WithDispatcher(dispatcher));
        var pong = system.ActorOf(Props.Create<PingActor>().WithDispatcher(dispatcher));
        try
        {
            ping.Tell(pong);
            pong.Tell(ping);
            var seconds = Best(5, () => ping.Ask<int>(new PingActor.Start(hops), TimeSpan.FromMinutes(1)).GetAwaiter().GetResult());
            return seconds / hops * 1e6;
        }
        finally
        {
            system.Stop(ping);
            system.Stop(pong);
        }
    }

    /// <summary>Akka's Ask from outside to an actor that replies: the cost a blocking read would pay with a task.</summary>
    private static double AskRoundTrip(ActorSystem system, string dispatcher)
    {
        var pong = system.ActorOf(Props.Create<PongActor>().WithDispatcher(dispatcher));
        try
        {
            const int reps = 20_000;
            var seconds = Best(5, () =>
            {
                for (var i = 0; i < reps; i++) pong.Ask<int>(i, TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
            });
            return seconds / reps * 1e6;
        }
        finally { system.Stop(pong); }
    }
}
