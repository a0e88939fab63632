using ActorGrad.Cluster.Training;
using ActorGrad.Engine.Tensors;
using ActorGrad.Protocol.Gradients;

namespace ActorGrad.Cluster.Tests.Training;

/// <summary>The owners' update rules against steps computed by hand and against a double-precision reference written from PyTorch's documented algorithms.</summary>
public class OptimizerRuleTests
{
    private static Tensor T(params float[] values) => Tensor.FromArray(values, values.Length);

    private static (Tensor Value, Tensor[] State) Steps(OptimizerSettings o, Tensor p, params float[][] gradients)
    {
        Tensor[] state = [];
        for (var t = 0; t < gradients.Length; t++) (p, state) = OptimizerRule.Apply(o, t, p, T(gradients[t]), state);
        return (p, state);
    }

    [Fact]
    public void Sgd_without_momentum_is_p_minus_lr_g()
    {
        // p = [1, -2], g = [0.5, 1], lr 0.1: [1 - 0.05, -2 - 0.1] = [0.95, -2.1]; no state.
        var (p, state) = Steps(OptimizerSettings.Sgd(0.1f), T(1f, -2f), [0.5f, 1f]);
        Assert.Equal([0.95f, -2.1f], p.ToArray(), (a, b) => Math.Abs(a - b) < 1e-6f);
        Assert.Empty(state);
    }

    [Fact]
    public void Sgd_momentum_starts_its_buffer_at_the_first_gradient()
    {
        // momentum 0.9, lr 0.1, p = 1, g = 1 twice. Step 1: buf = g = 1, p = 1 - 0.1 = 0.9.
        // Step 2: buf = 0.9 * 1 + 1 = 1.9, p = 0.9 - 0.19 = 0.71.
        var (p, state) = Steps(OptimizerSettings.Sgd(0.1f, momentum: 0.9f), T(1f), [1f], [1f]);
        Assert.Equal(0.71f, p.ToArray()[0], 1e-6f);
        Assert.Equal(1.9f, Assert.Single(state).ToArray()[0], 1e-6f);
    }

    [Fact]
    public void Sgd_nesterov_adds_momentum_times_the_buffer_to_the_gradient()
    {
        // momentum 0.9, lr 0.1, p = 1, g = 1 twice. Step 1: buf = 1, g' = 1 + 0.9 * 1 = 1.9, p = 1 - 0.19 = 0.81.
        // Step 2: buf = 0.9 + 1 = 1.9, g' = 1 + 0.9 * 1.9 = 2.71, p = 0.81 - 0.271 = 0.539.
        var (p, _) = Steps(OptimizerSettings.Sgd(0.1f, momentum: 0.9f, nesterov: true), T(1f), [1f], [1f]);
        Assert.Equal(0.539f, p.ToArray()[0], 1e-6f);
    }

    [Fact]
    public void Sgd_weight_decay_adds_wd_times_p_to_the_gradient()
    {
        // wd 0.5, lr 0.1, p = 2, g = 1: g' = 1 + 0.5 * 2 = 2, p = 2 - 0.2 = 1.8.
        var (p, _) = Steps(OptimizerSettings.Sgd(0.1f, weightDecay: 0.5f), T(2f), [1f]);
        Assert.Equal(1.8f, p.ToArray()[0], 1e-6f);
    }

    [Fact]
    public void Adam_corrects_both_moments_for_bias_and_adds_eps_after_the_square_root()
    {
        // lr 0.1, betas (0.9, 0.999), eps 1e-8, p = 1.
        // Step 1, g = 2: m = 0.1 * 2 = 0.2, v = 0.001 * 4 = 0.004; m^ = 0.2 / 0.1 = 2, v^ = 0.004 / 0.001 = 4;
        //   p = 1 - 0.1 * 2 / (sqrt(4) + 1e-8) = 0.9000000005.
        // Step 2, g = -1: m = 0.9 * 0.2 - 0.1 = 0.08, v = 0.999 * 0.004 + 0.001 = 0.004996;
        //   m^ = 0.08 / (1 - 0.81) = 0.42105263, v^ = 0.004996 / (1 - 0.998001) = 2.4992496, sqrt = 1.5809016;
        //   p = 0.9 - 0.1 * 0.42105263 / 1.5809016 = 0.87336630.
        var adam = OptimizerSettings.Adam(0.1f);
        var (p1, s1) = Steps(adam, T(1f), [2f]);
        Assert.Equal(0.9f, p1.ToArray()[0], 1e-6f);
        Assert.Equal(0.2f, s1[0].ToArray()[0], 1e-6f);
        Assert.Equal(0.004f, s1[1].ToArray()[0], 1e-7f);
        var (p2, s2) = Steps(adam, T(1f), [2f], [-1f]);
        Assert.Equal(0.8733663f, p2.ToArray()[0], 1e-6f);
        Assert.Equal(0.08f, s2[0].ToArray()[0], 1e-6f);
        Assert.Equal(0.004996f, s2[1].ToArray()[0], 1e-7f);
    }

    [Fact]
    public void Adam_eps_is_outside_the_square_root()
    {
        // lr 1, eps 1, p = 1, g = 4: m^ = 4, v^ = 16, p = 1 - 1 * 4 / (sqrt(16) + 1) = 0.2
        // (eps inside the root would give 1 - 4 / sqrt(17) = 0.0299).
        var (p, _) = Steps(OptimizerSettings.Adam(1f, epsilon: 1f), T(1f), [4f]);
        Assert.Equal(0.2f, p.ToArray()[0], 1e-6f);
    }

    [Theory]
    [InlineData("sgd", 0f, false, 0f)]
    [InlineData("sgd", 0.9f, false, 0.01f)]
    [InlineData("sgd", 0.8f, true, 0f)]
    [InlineData("adam", 0f, false, 0f)]
    [InlineData("adam", 0f, false, 0.05f)]
    public void Five_steps_match_a_double_precision_reference(string kind, float momentum, bool nesterov, float weightDecay)
    {
        var o = kind == "sgd" ? OptimizerSettings.Sgd(0.05f, momentum, weightDecay, nesterov) : OptimizerSettings.Adam(0.01f, weightDecay: weightDecay);
        var random = new Random(3);
        var p = Enumerable.Range(0, 9).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var gradients = Enumerable.Range(0, 5).Select(_ => Enumerable.Range(0, 9).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray()).ToArray();

        var (actual, _) = Steps(o, T(p), gradients);
        var expected = Reference(o, p.Select(x => (double)x).ToArray(), gradients);
        for (var i = 0; i < p.Length; i++) Assert.Equal(expected[i], actual.ToArray()[i], 1e-5);
    }

    /// <summary>torch.optim.SGD and torch.optim.Adam as their documentation writes the algorithms, in double.</summary>
    private static double[] Reference(OptimizerSettings o, double[] p, float[][] gradients)
    {
        var buf = new double[p.Length];
        var m = new double[p.Length];
        var v = new double[p.Length];
        for (var t = 1; t <= gradients.Length; t++)
            for (var i = 0; i < p.Length; i++)
            {
                var g = gradients[t - 1][i] + o.WeightDecay * p[i];
                if (o.Kind == OptimizerKind.Sgd)
                {
                    if (o.Momentum != 0)
                    {
                        buf[i] = t == 1 ? g : o.Momentum * buf[i] + g;
                        g = o.Nesterov ? g + o.Momentum * buf[i] : buf[i];
                    }
                    p[i] -= o.LearningRate * g;
                }
                else
                {
                    m[i] = o.Beta1 * m[i] + (1 - o.Beta1) * g;
                    v[i] = o.Beta2 * v[i] + (1 - o.Beta2) * g * g;
                    var mHat = m[i] / (1 - Math.Pow(o.Beta1, t));
                    var vHat = v[i] / (1 - Math.Pow(o.Beta2, t));
                    p[i] -= o.LearningRate * mHat / (Math.Sqrt(vHat) + o.Epsilon);
                }
            }
        return p;
    }

    [Fact]
    public void Bad_settings_and_state_are_refused_with_a_reason()
    {
        Assert.Contains("learning rate", Assert.Throws<ArgumentException>(() => OptimizerSettings.Sgd(-1f)).Message);
        Assert.Contains("Nesterov", Assert.Throws<ArgumentException>(() => OptimizerSettings.Sgd(0.1f, nesterov: true)).Message);
        Assert.Contains("beta", Assert.Throws<ArgumentException>(() => OptimizerSettings.Adam(0.1f, beta1: 1f)).Message);
        Assert.Contains("2 state tensor", Assert.Throws<ArgumentException>(() => OptimizerRule.Apply(OptimizerSettings.Adam(0.1f), 0, T(1f), T(1f), [T(0f)])).Message);
        Assert.Contains("shape", Assert.Throws<ArgumentException>(() => OptimizerRule.Apply(OptimizerSettings.Sgd(0.1f), 0, T(1f), T(1f, 2f), [])).Message);
    }
}
