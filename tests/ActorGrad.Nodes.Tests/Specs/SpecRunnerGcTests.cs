using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes.Models;
using ActorGrad.Nodes.Specs;

namespace ActorGrad.Nodes.Tests.Specs;

[CollectionDefinition(nameof(SpecRunnerGcTests), DisableParallelization = true)]
public sealed class SpecRunnerGcCollection;

/// <summary>
/// A spec pass releases its handles itself, so it tells the GC of no memory pressure for the node values it holds
/// meanwhile: the runtime runs a full (gen-2) collection each few megabytes of pressure added, removed or not, which
/// cost every cluster member a full collection every few shards. Alone in its collection: another test's
/// collections would count.
/// </summary>
[Collection(nameof(SpecRunnerGcTests))]
public class SpecRunnerGcTests
{
    [Fact]
    public void PassesWithPooledActivationsRunNoFullCollections()
    {
        const int Hidden = 256, Passes = 80;
        var spec = SpiralsMlp.Spec(hidden: Hidden);
        var parameters = SpiralsMlp.InitialParameters(1, hidden: Hidden).ToDictionary(p => p.Name, p => p.Value);
        var (inputs, labels) = Spirals.Generate(pointsPerClass: 128, classes: 3, seed: 2);
        var batch = SpiralsMlp.Batch(inputs, labels);
        Assert.True(inputs.Shape[0] * Hidden >= Tensor.PooledLength); // activations are pooled storage a node hands over
        using var session = new Session();
        void Pass()
        {
            foreach (var g in SpecRunner.Run(session, spec, parameters, batch).Gradients) g.Dispose();
        }
        for (var i = 0; i < 5; i++) Pass();
        var before = GC.CollectionCount(2);
        for (var i = 0; i < Passes; i++) Pass();
        // With memory pressure for the activations each pass hands over: about 12 full collections.
        Assert.InRange(GC.CollectionCount(2) - before, 0, 2);
    }
}
