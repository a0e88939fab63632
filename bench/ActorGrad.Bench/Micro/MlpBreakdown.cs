using ActorGrad.Engine.Tensors;

namespace ActorGrad.Bench.Micro;

/// <summary>
/// Where mlp_b256's time goes (784-512-512-10, batch 256): each product it runs, with the operand
/// transposes the matmul rule asks for (microseconds and GFLOP/s, two threads), the element-wise and
/// reduction ops around them, and the whole step as the same tensor ops with no node actors. The peer
/// workload minus this chain is the cost of the graph.
/// </summary>
internal static class MlpBreakdown
{
    private const int Batch = 256;

    public static void Run(Action<string, double> report)
    {
        using var x = Tensor.RandomNormal(1, Batch, 784);
        using var w0 = Tensor.RandomNormal(2, 784, 512);
        using var w1 = Tensor.RandomNormal(3, 512, 512);
        using var w2 = Tensor.RandomNormal(4, 512, 10);
        using var h = Tensor.RandomNormal(5, Batch, 512);
        using var g = Tensor.RandomNormal(6, Batch, 512);
        using var g10 = Tensor.RandomNormal(7, Batch, 10);
        using var bias = Tensor.RandomNormal(8, 512);
        // Forward products, then the backward ones as the matmul rule calls them (G@Bᵀ, Aᵀ@G).
        Product(report, "fwd_x_w0", () => TensorOps.MatMul(x, w0), Batch, 512, 784);
        Product(report, "fwd_h_w1", () => TensorOps.MatMul(h, w1), Batch, 512, 512);
        Product(report, "fwd_h_w2", () => TensorOps.MatMul(h, w2), Batch, 10, 512);
        Product(report, "bwd_g10_w2T", () => TensorOps.MatMul(g10, w2, false, true), Batch, 512, 10);
        Product(report, "bwd_hT_g10", () => TensorOps.MatMul(h, g10, true, false), 512, 10, Batch);
        Product(report, "bwd_g_w1T", () => TensorOps.MatMul(g, w1, false, true), Batch, 512, 512);
        Product(report, "bwd_hT_g", () => TensorOps.MatMul(h, g, true, false), 512, 512, Batch);
        Product(report, "bwd_xT_g", () => TensorOps.MatMul(x, g, true, false), 784, 512, Batch);
        Op(report, "add_bias", () => TensorOps.Add(h, bias));
        Op(report, "relu", () => TensorOps.Relu(h));
        Op(report, "step", () => TensorOps.Step(h));
        Op(report, "mul", () => TensorOps.Mul(g, h));
        Op(report, "sum_to_bias", () => TensorOps.SumTo(g, [512]));
        report("mlp_b256_tensor_ops_only_us", BestOf.Microseconds(() => Step(x, [w0, w1, w2], bias), 5));
        if (CpuClock.IsAvailable) report("mlp_b256_tensor_ops_only_cpu_us", BestOf.Microseconds(() => Step(x, [w0, w1, w2], bias), 5, CpuClock.ProcessSeconds));
    }

    private static void Product(Action<string, double> report, string name, Func<Tensor> product, int m, int n, int k)
    {
        var us = BestOf.Microseconds(() => product().Dispose(), 20);
        report($"mlp_gemm_{name}_{m}x{n}x{k}_us", us);
        report($"mlp_gemm_{name}_gflops", 2.0 * m * n * k / (us * 1e-6) / 1e9);
    }

    private static void Op(Action<string, double> report, string name, Func<Tensor> op) =>
        report($"mlp_op_{name}_256x512_us", BestOf.Microseconds(() => op().Dispose(), 50));

    /// <summary>One training step's products and element-wise ops without the graph (biases share one tensor; the loss's small [256, 10] ops are left out).</summary>
    private static void Step(Tensor x, Tensor[] w, Tensor bias)
    {
        using var bias10 = Tensor.Zeros(10);
        using var p0 = TensorOps.MatMul(x, w[0]);
        using var a0 = TensorOps.Add(p0, bias);
        using var h0 = TensorOps.Relu(a0);
        using var p1 = TensorOps.MatMul(h0, w[1]);
        using var a1 = TensorOps.Add(p1, bias);
        using var h1 = TensorOps.Relu(a1);
        using var p2 = TensorOps.MatMul(h1, w[2]);
        using var o = TensorOps.Add(p2, bias10);
        using var go = TensorOps.Mul(o, 0.01f); // stands for softmax - onehot
        using var gb2 = TensorOps.SumTo(go, [10]);
        using var gw2 = TensorOps.MatMul(h1, go, true, false);
        using var gh1 = TensorOps.MatMul(go, w[2], false, true);
        using var s1 = TensorOps.Step(a1);
        using var ga1 = TensorOps.Mul(gh1, s1);
        using var gb1 = TensorOps.SumTo(ga1, [512]);
        using var gw1 = TensorOps.MatMul(h0, ga1, true, false);
        using var gh0 = TensorOps.MatMul(ga1, w[1], false, true);
        using var s0 = TensorOps.Step(a0);
        using var ga0 = TensorOps.Mul(gh0, s0);
        using var gb0 = TensorOps.SumTo(ga0, [512]);
        using var gw0 = TensorOps.MatMul(x, ga0, true, false);
    }
}
