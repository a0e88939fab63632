using System.Globalization;
using ActorGrad.Engine.Tensors;

namespace ActorGrad.Bench.Micro;

/// <summary>
/// Where eltwise_1M's time goes: each tensor op it runs, alone on 2^20 floats (microseconds per op,
/// and the bytes it moves per second), and the whole workload as the same sequence of tensor ops
/// with no node actors (forward, then the VJP rules' ops backward). The peer workload minus this
/// chain is the cost of the graph around the kernels.
/// </summary>
internal static class ElementwiseBreakdown
{
    private const int N = 1 << 20;

    public static void Run(Action<string, double> report)
    {
        using var x = Tensor.RandomNormal(1, N);
        using var y = Tensor.RandomNormal(2, N);
        // bytes moved: inputs read + output written, 4 bytes each
        Op(report, "mul_scalar", 2, () => TensorOps.Mul(x, 1.01f));
        Op(report, "add_scalar", 2, () => TensorOps.Add(x, 0.1f));
        Op(report, "neg", 2, () => TensorOps.Neg(x));
        Op(report, "mul", 3, () => TensorOps.Mul(x, y));
        Op(report, "sub", 3, () => TensorOps.Sub(x, y));
        Op(report, "tanh", 2, () => TensorOps.Tanh(x));
        Op(report, "exp", 2, () => TensorOps.Exp(x));
        Op(report, "sum", 1, () => TensorOps.Sum(x, null, false));
        report("eltwise_1M_tensor_ops_only_us", BestOf.Microseconds(() => Chain(x), 5));
        if (CpuClock.IsAvailable) report("eltwise_1M_tensor_ops_only_cpu_us", BestOf.Microseconds(() => Chain(x), 5, CpuClock.ProcessSeconds));
    }

    private static void Op(Action<string, double> report, string name, int arrays, Func<Tensor> op)
    {
        var us = BestOf.Microseconds(() => op().Dispose(), 50);
        report($"op_1M_{name}_us", us);
        report($"op_1M_{name}_gbps", arrays * 4.0 * N / (us * 1e-6) / 1e9);
    }

    /// <summary>eltwise_1M without the graph: the forward ops, then backward the ops the VJP rules apply, values kept as the nodes keep them.</summary>
    private static void Chain(Tensor v)
    {
        var kept = new List<Tensor>();
        var h = v;
        var saved = new List<(Tensor Tanh, Tensor NegH, Tensor Exp)>();
        for (var i = 0; i < 4; i++)
        {
            var m = TensorOps.Mul(h, 1.01f);
            var a = TensorOps.Add(m, 0.1f);
            var t = TensorOps.Tanh(a);
            var n = TensorOps.Neg(t);
            var sq = TensorOps.Mul(n, t);
            var e = TensorOps.Exp(sq);
            kept.AddRange([m, a, t, n, sq, e]);
            saved.Add((t, n, e));
            h = e;
        }
        using var total = TensorOps.Sum(h, null, false);
        using var one = Tensor.Scalar(1f);
        var g = TensorOps.BroadcastTo(one, h.Shape);
        for (var i = 3; i >= 0; i--)
        {
            var (t, negH, e) = saved[i];
            using var gSq = TensorOps.Mul(g, e);            // exp: g * y
            using var gNeg = TensorOps.Mul(gSq, t);         // mul: input 0 (-h) gets g * h
            using var gT1 = TensorOps.Mul(gSq, negH);       // mul: input 1 (h) gets g * (-h)
            using var gT0 = TensorOps.Neg(gNeg);            // neg
            using var gT = TensorOps.Add(gT1, gT0);         // two paths into h add up
            var gA = TensorOps.TanhBackward(gT, t);         // tanh: g*(1 - y*y), one fused pass as the rule runs
            using var gM = gA;                              // add of a constant: the gradient passes through
            var gH = TensorOps.Mul(gM, 1.01f);              // mul by a constant
            g.Dispose();
            g = gH;
        }
        g.Dispose();
        foreach (var t in kept) t.Dispose();
    }
}
