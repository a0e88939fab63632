using System.Diagnostics;
using System.Globalization;
using ActorGrad.Engine.Actors;
using ActorGrad.Engine.Tensors;

namespace ActorGrad.Bench.Micro;

/// <summary>
/// Quick Stopwatch figures for BENCHMARKS.md (best of several rounds): GEMM GFLOP/s, element-wise
/// GB/s, actor hop, ping-pong and spawn costs. The BenchmarkDotNet classes measure the same things
/// with more rigour and more time.
/// </summary>
internal static class MicroBenchmarks
{
    /// <summary>All figures, or only the groups named (gemm, elementwise, actors, memory).</summary>
    public static int Run(string[] groups)
    {
        string[] known = ["gemm", "elementwise", "actors", "memory"];
        if (groups.FirstOrDefault(g => !known.Contains(g)) is { } unknown)
        {
            Console.Error.WriteLine($"micro: unknown group '{unknown}'; the groups are {string.Join(", ", known)}.");
            return 2;
        }
        bool Wanted(string group) => groups.Length == 0 || groups.Contains(group);
        if (Wanted("gemm"))
        {
            Report("gemm_512_1thread_gflops", Gflops(512, threads: 1));
            Report("gemm_512_2threads_gflops", Gflops(512, threads: 2));
        }
        if (Wanted("elementwise")) Elementwise();
        if (Wanted("actors")) Actors();
        if (Wanted("memory")) Memory();
        return 0;
    }

    private static void Elementwise()
    {
        Report("tensorprimitives_add_1M_gbps", ElementwiseGbps(exp: false));
        Report("tensorprimitives_exp_1M_gbps", ElementwiseGbps(exp: true));
        Report("tensorops_add_1M_gbps", TensorOpsGbps());
    }

    private static void Actors()
    {
        foreach (var (name, dispatcher) in new[] { ("threadpool", Dispatchers.Default), ("callingthread", Dispatchers.CallingThread) })
        {
            Report($"hop_1000_chain_one_at_a_time_{name}_us", Hop(dispatcher, pipelined: false));
            Report($"hop_1000_chain_pipelined_{name}_us", Hop(dispatcher, pipelined: true));
            Report($"ping_pong_{name}_us", PingPong(dispatcher));
            Report($"spawn_and_stop_{name}_us", SpawnStop(dispatcher));
        }
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

    /// <summary>Best of <paramref name="rounds"/> timings of <paramref name="action"/>, in seconds.</summary>
    private static double Best(int rounds, Action action)
    {
        action();
        var best = double.MaxValue;
        for (var i = 0; i < rounds; i++)
        {
            var w = Stopwatch.StartNew();
            action();
            best = Math.Min(best, w.Elapsed.TotalSeconds);
        }
        return best;
    }

    private static double Gflops(int n, int threads)
    {
        using var a = Tensor.RandomNormal(1, n, n);
        using var b = Tensor.RandomNormal(2, n, n);
        var previous = Gemm.MaxThreads;
        Gemm.MaxThreads = threads;
        try
        {
            const int reps = 10;
            var seconds = Best(7, () => { for (var i = 0; i < reps; i++) TensorOps.MatMul(a, b).Dispose(); }) / reps;
            return 2.0 * n * n * n / seconds / 1e9;
        }
        finally { Gemm.MaxThreads = previous; }
    }

    private static double ElementwiseGbps(bool exp)
    {
        var x = new float[1 << 20];
        var y = new float[1 << 20];
        var d = new float[1 << 20];
        new Random(1).NextBytes(new byte[1]);
        const int reps = 20;
        var seconds = Best(7, () =>
        {
            for (var i = 0; i < reps; i++)
            {
                if (exp) System.Numerics.Tensors.TensorPrimitives.Exp(x, d);
                else System.Numerics.Tensors.TensorPrimitives.Add(x, y, d);
            }
        }) / reps;
        var bytes = (exp ? 2 : 3) * 4.0 * x.Length;
        return bytes / seconds / 1e9;
    }

    private static double TensorOpsGbps()
    {
        using var x = Tensor.RandomNormal(1, 1 << 20);
        using var y = Tensor.RandomNormal(2, 1 << 20);
        const int reps = 20;
        var seconds = Best(7, () => { for (var i = 0; i < reps; i++) TensorOps.Add(x, y).Dispose(); }) / reps;
        return 3 * 4.0 * x.Length / seconds / 1e9;
    }

    private static double Hop(MessageDispatcher dispatcher, bool pipelined)
    {
        const int length = 1000;
        var messages = pipelined ? 200 : 20;
        var system = ActorSystem.Create("hop", new ActorSystemSettings { ConsoleLogLevel = null });
        try
        {
            var done = new CountdownEvent(1);
            IActorRef? next = null;
            for (var i = 0; i < length; i++)
            {
                var n = next;
                var isLast = i == 0;
                next = system.ActorOf(Props.Create(() => new HopActor(n, isLast ? done : null)).WithDispatcher(dispatcher));
            }
            var head = next!;
            var seconds = Best(5, () =>
            {
                if (pipelined)
                {
                    done.Reset(messages);
                    for (var m = 0; m < messages; m++) head.Tell(m);
                    done.Wait();
                }
                else
                {
                    for (var m = 0; m < messages; m++)
                    {
                        done.Reset(1);
                        head.Tell(m);
                        done.Wait();
                    }
                }
            });
            return seconds / (messages * (double)length) * 1e6;
        }
        finally { system.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
    }

    private static double PingPong(MessageDispatcher dispatcher)
    {
        var system = ActorSystem.Create("pingpong", new ActorSystemSettings { ConsoleLogLevel = null });
        try
        {
            var pong = system.ActorOf(Props.Create<PongActor>().WithDispatcher(dispatcher));
            const int reps = 20_000;
            var seconds = Best(5, () =>
            {
                for (var i = 0; i < reps; i++) pong.Ask<int>(i).GetAwaiter().GetResult();
            });
            return seconds / reps * 1e6;
        }
        finally { system.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
    }

    private static double SpawnStop(MessageDispatcher dispatcher)
    {
        var system = ActorSystem.Create("spawn", new ActorSystemSettings { ConsoleLogLevel = null });
        try
        {
            const int count = 20_000;
            var refs = new IActorRef[count];
            var props = Props.Create<IdleActor>().WithDispatcher(dispatcher);
            var seconds = Best(5, () =>
            {
                for (var i = 0; i < count; i++) refs[i] = system.ActorOf(props);
                foreach (var r in refs) system.Stop(r);
                Task.WhenAll(refs.Select(system.WhenTerminated)).GetAwaiter().GetResult();
            });
            return seconds / count * 1e6;
        }
        finally { system.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
    }
}
