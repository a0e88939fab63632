using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes.Models;
using ActorGrad.Nodes.Specs;
using ActorGrad.Protocol.Specs;
using static ActorGrad.Nodes.Tests.Specs.SpecFixtures;

namespace ActorGrad.Nodes.Tests.Specs;

/// <summary>
/// SpecRunner reads the caller's parameters and data in place and hands the leaves' gradients to its result: the
/// caller's tensors are neither changed nor given to the pool, the bits are those of a pass over copies, and a result's
/// gradients are its own (valid after later passes, disposed once by whoever holds them).
/// </summary>
public class SpecRunnerOwnershipTests
{
    // Hidden units and examples enough that the weights, the data and every activation are pooled storage (at least
    // Tensor.PooledLength values) and element-wise ops may defer: a wrong return to the pool would show.
    private const int Hidden = Tensor.PooledLength;
    private static readonly GraphSpec Spec = SpiralsMlp.Spec(hidden: Hidden);

    private static (string Name, Tensor Value)[] Parameters(int seed) => SpiralsMlp.InitialParameters(seed, hidden: Hidden);

    private static Dictionary<string, Tensor> Batch(int seed)
    {
        var (inputs, labels) = Spirals.Generate(pointsPerClass: Tensor.PooledLength / 4, classes: 3, seed: seed);
        return SpiralsMlp.Batch(inputs, labels);
    }

    private static Dictionary<string, int[]> Snapshot(IEnumerable<(string Name, Tensor Value)> tensors) =>
        tensors.ToDictionary(t => t.Name, t => Bits(t.Value));

    [Fact]
    public void TheRunnerLeavesTheCallersTensorsAsTheyWereAndTheirsAlone()
    {
        var parameters = Parameters(1);
        var batch = Batch(2);
        var all = parameters.Concat(batch.Select(b => (b.Key, b.Value))).ToArray();
        Assert.True(parameters.First(p => p.Name == "w1").Value.Length >= Tensor.PooledLength && batch["x"].Length >= Tensor.PooledLength);
        var before = Snapshot(all);
        using (var session = new Session())
        {
            var result = SpecRunner.Run(session, Spec, parameters.ToDictionary(p => p.Name, p => p.Value), batch);
            foreach (var g in result.Gradients) g.Dispose();
        }
        // Rentals of every size the pass used: had the pass given a caller's storage to the pool, one would take it and overwrite it.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var rented = all.SelectMany(t => Enumerable.Range(0, 3).Select(_ => Tensor.Full(-1f, t.Value.Shape))).ToArray();
        foreach (var (name, value) in all)
        {
            Assert.False(value.IsDisposed, name);
            Assert.False(value.IsReadOnly, name); // still the caller's to change once the pass is over
            Assert.Equal(before[name], Bits(value));
        }
        foreach (var t in rented) t.Dispose();
        // And the caller may change them in place after the pass (an optimizer that owns its values does).
        TensorOps.AddScaledInPlace(parameters[0].Value, parameters[0].Value, -0.5f);
    }

    [Fact]
    public void ABorrowedConstantLeavesTheGcNothingToDo()
    {
        // A ticket would tell the GC about memory the handle gives back (memory pressure), and the runtime runs a full
        // collection every few megabytes of it: a view of the caller's data gives nothing back, so it must not have one.
        using var session = new Session();
        using var callers = Tensor.Full(1f, Tensor.PooledLength);
        var borrowed = Var.Constant(session, Tensor.Borrow(callers));
        var owned = Var.Constant(session, Tensor.Full(1f, Tensor.PooledLength));
        Assert.False(borrowed.ReleasesWhenCollected);
        Assert.True(owned.ReleasesWhenCollected);
        borrowed.ReleaseNow();
        owned.ReleaseNow();
        Assert.False(callers.IsDisposed);
    }

    [Fact]
    public void TheBitsAreThoseOfAPassOverCopies()
    {
        var parameters = Parameters(3);
        var batch = Batch(4);
        var examples = batch["x"].Shape[0];
        // Direct: the same loss written with Vars over session.Tensor copies, gradients read through Var.Grad (copies).
        var copies = Direct(SpiralsMlp.PerExampleLoss, parameters, batch, LossReduction.Mean, examples);
        using var session = new Session();
        var run = SpecRunner.Run(session, Spec, parameters.ToDictionary(p => p.Name, p => p.Value), batch);
        Assert.Equal(BitConverter.SingleToInt32Bits(copies.Loss), BitConverter.SingleToInt32Bits(run.Loss));
        for (var i = 0; i < parameters.Length; i++) Assert.Equal(Bits(copies.Gradients[i]), Bits(run.Gradients[i]));
        Assert.Contains(run.Gradient("w1").ToArray(), g => g != 0f);
    }

    [Fact]
    public void AResultsGradientsStayValidAfterTheSessionRunsTheNextPasses()
    {
        using var session = new Session();
        var parameters = Parameters(5).ToDictionary(p => p.Name, p => p.Value);
        var first = SpecRunner.Run(session, Spec, parameters, Batch(6));
        var firstBits = first.Gradients.Select(Bits).ToArray();
        for (var pass = 0; pass < 3; pass++)
        {
            var next = SpecRunner.Run(session, Spec, Parameters(10 + pass).ToDictionary(p => p.Name, p => p.Value), Batch(20 + pass));
            Assert.All(next.Gradients, g => Assert.DoesNotContain(first.Gradients, f => ReferenceEquals(f, g)));
            foreach (var g in next.Gradients) g.Dispose();
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        for (var i = 0; i < firstBits.Length; i++)
        {
            Assert.False(first.Gradients[i].IsDisposed);
            Assert.False(first.Gradients[i].IsReadOnly); // the holder's own: it may write into it (a chain adds into the first piece)
            Assert.Equal(firstBits[i], Bits(first.Gradients[i]));
        }
    }

    [Fact]
    public void AGradientTheCallerDisposesIsDisposedOnceAndTheSessionKeepsServing()
    {
        using var session = new Session();
        var parameters = Parameters(7).ToDictionary(p => p.Name, p => p.Value);
        var batch = Batch(8);
        var reference = Run(Spec, Parameters(7), batch); // a session of its own
        var referenceBits = reference.Gradients.Select(Bits).ToArray();
        for (var pass = 0; pass < 3; pass++)
        {
            // The caller disposes every result: had the session kept (and later disposed or written) any of them,
            // the storage the pool hands out next would be shared and a later pass's bits would differ.
            var result = SpecRunner.Run(session, Spec, parameters, batch);
            Assert.Equal(BitConverter.SingleToInt32Bits(reference.Loss), BitConverter.SingleToInt32Bits(result.Loss));
            for (var i = 0; i < referenceBits.Length; i++) Assert.Equal(referenceBits[i], Bits(result.Gradients[i]));
            foreach (var g in result.Gradients) g.Dispose();
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        Assert.Equal(0, session.LiveNodeCount); // every node of every pass ended with its pass
    }

    [Fact]
    public void TheUserApiStillCopies()
    {
        // The fast path is SpecRunner's alone: a user's Tensor() copies and Grad is a copy the user may keep.
        using var session = new Session();
        var value = Tensor.RandomNormal(9, 80, 80);
        var w = session.Tensor(value).RequiresGrad();
        value.Span[0] = 1000f;
        Assert.NotEqual(1000f, w[0, 0]);
        (w * w).Sum().Backward();
        var grad = w.Grad!;
        var again = w.Grad!;
        Assert.NotSame(grad, again);
        grad.Dispose();
        Assert.Equal(Bits(again), Bits(w.Grad!));
    }
}
