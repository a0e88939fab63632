using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes;

namespace ActorGrad.Bench.Peer;

/// <summary>
/// The five workloads of bench/peer/torch_workloads.py, through ActorGrad's public API in the
/// in-process mode, with the same shapes and the same meaning of one iteration.
/// </summary>
internal sealed class PeerWorkloads : IDisposable
{
    private readonly Session _s = new(new SessionOptions { Seed = 0 });

    public void Dispose() => _s.Dispose();

    public IReadOnlyList<(string Name, Action Iteration)> All() =>
    [
        ("seed_dot", SeedDot()),
        ("mlp_b256", MlpB256()),
        ("eltwise_1M", Eltwise1M()),
        ("control_flow", ControlFlow()),
        ("gemm_512", Gemm512()),
    ];

    /// <summary>x = arange(4) with gradient; y = 2 * dot(x, x); backward; read x.grad back.</summary>
    private Action SeedDot()
    {
        var x = _s.Arange(4).RequiresGrad();
        return () =>
        {
            x.ZeroGrad();
            var y = 2 * Var.Dot(x, x);
            y.Backward();
            _ = x.Grad!.ToArray();
        };
    }

    /// <summary>784-512-512-10 MLP, ReLU, batch 256, mean softmax cross-entropy; forward, backward to all six parameters, read the loss.</summary>
    private Action MlpB256()
    {
        const int batch = 256;
        var x = _s.RandomNormal(batch, 784);
        var labels = Enumerable.Range(0, batch).Select(_ => _s.Random.Next(10)).ToArray();
        var w = new[] { _s.RandomNormal(784, 512) * 0.05f, _s.RandomNormal(512, 512) * 0.05f, _s.RandomNormal(512, 10) * 0.05f };
        var b = new[] { _s.Zeros(512), _s.Zeros(512), _s.Zeros(10) };
        foreach (var p in w.Concat(b)) p.RequiresGrad();
        return () =>
        {
            foreach (var p in w.Concat(b)) p.ZeroGrad();
            var h = (x.MatMul(w[0]) + b[0]).Relu();
            h = (h.MatMul(w[1]) + b[1]).Relu();
            var o = h.MatMul(w[2]) + b[2];
            var loss = Var.CrossEntropy(o, labels);
            loss.Backward();
            _ = loss.Item();
        };
    }

    /// <summary>2^20 floats; four times h = tanh(h * 1.01 + 0.1); h = exp(-h * h); sum, backward, read one gradient element.</summary>
    private Action Eltwise1M()
    {
        var v = _s.RandomNormal(1 << 20).RequiresGrad();
        return () =>
        {
            v.ZeroGrad();
            var h = v;
            for (var i = 0; i < 4; i++)
            {
                h = (h * 1.01f + 0.1f).Tanh();
                h = (-h * h).Exp();
            }
            h.Sum().Backward();
            _ = v.Grad![0];
        };
    }

    /// <summary>The seeds' f(a) with a while loop and an if on values, a = 0.0139; backward; read a.grad (131072).</summary>
    private Action ControlFlow()
    {
        var a = _s.Scalar(0.0139f).RequiresGrad();
        return () =>
        {
            a.ZeroGrad();
            var b = a * 2;
            while (b.Norm().Item() < 1000) b = b * 2;
            var c = b.Sum().Item() > 0 ? b : 100 * b;
            c.Backward();
            if (a.Grad!.Item() != 131072f) throw new InvalidOperationException($"control_flow: a.grad = {a.Grad!.Item()}, expected 131072");
        };
    }

    /// <summary>C = A @ B, 512x512 by 512x512, float32, no gradient; read C[0, 0].</summary>
    private Action Gemm512()
    {
        var a = _s.RandomNormal(512, 512);
        var b = _s.RandomNormal(512, 512);
        return () => _ = a.MatMul(b)[0, 0];
    }
}
