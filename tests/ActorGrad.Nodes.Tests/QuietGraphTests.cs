namespace ActorGrad.Nodes.Tests;

/// <summary>A healthy graph's lifecycle sends nothing to dead letters: every message has a live recipient.</summary>
public sealed class QuietGraphTests : IDisposable
{
    private readonly Session _s = new();
    public void Dispose() => _s.Dispose();

    [Fact]
    public void TrainingAndControlFlowLoopsProduceNoDeadLetters()
    {
        var w = _s.RandomNormal(4, 2).RequiresGrad();
        var x = _s.RandomNormal(3, 4);
        var a = _s.Scalar(0.7f).RequiresGrad();
        for (var i = 0; i < 300; i++)
        {
            var loss = Var.Mse(x.MatMul(w).Relu(), _s.Zeros(3, 2));
            loss.Backward();
            w.Step(0.01f);
            w.ZeroGrad();

            var b = a * 2;
            while (b.Norm().Item() < 100) b = b * 2;
            b.Backward();
            if (i % 100 == 99) _s.Collect(); // released handles of stopped nodes must not be told anything
        }
        _s.Collect();
        Assert.Equal(0, _s.System.DeadLetters.Count);
    }
}
