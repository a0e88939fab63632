using System.Collections.Immutable;
using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes;
using ActorGrad.Nodes.Specs;
using ActorGrad.Protocol.Gradients;
using ActorGrad.Protocol.Specs;

namespace ActorGrad.Cluster.Training;

/// <summary>
/// The same training step in this process: the whole batch's gradient through <see cref="SpecRunner"/>, then
/// <see cref="OptimizerRule"/>. The reference a cluster run is compared with (equal within float32 rounding: the cluster
/// sums shards, this sums the batch in one go) and the baseline of the step-time figures.
/// </summary>
public static class InProcessTraining
{
    /// <summary>Initial state of a run at step 0.</summary>
    public static TrainingState Initial(GraphSpec spec, IReadOnlyDictionary<string, Tensor> parameters, OptimizerSettings optimizer) =>
        new(0, optimizer.Checked(), [.. spec.Parameters.Select(p => p.Name)], [.. spec.Parameters.Select(p => parameters[p.Name].Clone())], []);

    /// <summary>One step on <paramref name="batch"/>: the loss before the update and the state after it.</summary>
    public static (float Loss, TrainingState State) Step(Session session, GraphSpec spec, TrainingState state, IReadOnlyDictionary<string, Tensor> batch)
    {
        var result = SpecRunner.Run(session, spec, state.ParameterMap(), batch);
        var values = ImmutableArray.CreateBuilder<Tensor>(state.Parameters.Length);
        var optimizerState = ImmutableArray.CreateBuilder<ImmutableArray<Tensor>>(state.Parameters.Length);
        for (var i = 0; i < state.Parameters.Length; i++)
        {
            var previous = state.OptimizerState.IsDefaultOrEmpty ? [] : (IReadOnlyList<Tensor>)state.OptimizerState[i];
            var (value, s) = OptimizerRule.Apply(state.Optimizer, state.Step, state.Parameters[i], result.Gradients[i], previous);
            values.Add(value);
            optimizerState.Add([.. s]);
        }
        // The update read the gradients (the result's own tensors): their storage goes back to the pool now.
        foreach (var g in result.Gradients) g.Dispose();
        return (result.Loss, state with { Step = state.Step + 1, Parameters = values.MoveToImmutable(), OptimizerState = optimizerState.MoveToImmutable() });
    }
}
