using System.Collections.Immutable;
using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes.Ops;
using ActorGrad.Protocol.Specs;

namespace ActorGrad.Nodes.Specs;

/// <summary>
/// The loss of a run and the gradient of every parameter, in the spec's parameter order. The gradients are the
/// result's own tensors (not copies of anything the session keeps): whoever takes the result may keep them, hand them
/// on, or dispose them to give their storage back to the pool.
/// </summary>
public sealed record SpecResult(GraphSpec Spec, float Loss, ImmutableArray<Tensor> Gradients)
{
    /// <summary>The gradient of the parameter named <paramref name="name"/>.</summary>
    public Tensor Gradient(string name)
    {
        for (var i = 0; i < Spec.Parameters.Length; i++)
            if (Spec.Parameters[i].Name == name) return Gradients[i];
        throw new KeyNotFoundException($"The spec has no parameter named '{name}'.");
    }
}

/// <summary>
/// Runs a graph spec in a session: parameters become leaves, data inputs and constants constants, every node an
/// ordinary recorded op (a node actor), then Backward. Given a shard of a batch and the full batch's size B, it
/// returns the shard's share: with <see cref="LossReduction.Mean"/> the loss node (the shard's sum of per-example
/// losses) is divided by B, exactly as <c>perExample.Sum() / B</c> written with Vars, so the shares of the shards
/// add up to the batch's loss and gradients (GraphSpec's batch rule).
/// </summary>
public static class SpecRunner
{
    /// <summary>
    /// Checks the spec and the values (<see cref="SpecValidator"/>, throwing <see cref="SpecRejectedException"/>),
    /// builds its graph on <paramref name="parameters"/> and <paramref name="batch"/>, and backpropagates.
    /// <paramref name="fullBatchSize"/> is B when <paramref name="batch"/> is a shard; by default the batch is whole.
    /// </summary>
    public static SpecResult Run(Session session, GraphSpec spec, IReadOnlyDictionary<string, Tensor> parameters,
        IReadOnlyDictionary<string, Tensor> batch, int? fullBatchSize = null, bool checkFinite = false)
    {
        ArgumentNullException.ThrowIfNull(session);
        var examples = SpecValidator.Check(spec, parameters, batch, checkFinite);
        var total = fullBatchSize ?? examples;
        if (total < examples)
            throw new ArgumentOutOfRangeException(nameof(fullBatchSize), $"The full batch has {total} examples, fewer than this shard's {examples}.");

        // The pass reads the caller's parameters and data in place (read-only views, no copies: the caller keeps them
        // unchanged until Run returns), hands the leaves' gradients over to the result, and releases every handle it
        // made at the end, so node values go back to the pool now rather than when the GC finalizes the Vars (and the GC
        // is told of no memory pressure for them meanwhile).
        var handles = new List<Var>(spec.Parameters.Length + spec.DataInputs.Length + spec.Constants.Length + spec.Nodes.Length + 1);
        try
        {
            var leaves = new Var[spec.Parameters.Length];
            for (var i = 0; i < leaves.Length; i++) handles.Add(leaves[i] = session.BorrowedLeaf(parameters[spec.Parameters[i].Name]).ReleasedByCreator());
            var data = new Var[spec.DataInputs.Length];
            for (var i = 0; i < data.Length; i++) handles.Add(data[i] = Var.Constant(session, Tensor.Borrow(batch[spec.DataInputs[i].Name])).ReleasedByCreator());
            var constants = new Var[spec.Constants.Length];
            for (var i = 0; i < constants.Length; i++) handles.Add(constants[i] = Var.Constant(session, Tensor.From(spec.Constants[i]))); // From copies: the spec keeps its own
            var nodes = new Var[spec.Nodes.Length];
            for (var i = 0; i < nodes.Length; i++)
            {
                var node = spec.Nodes[i];
                OpCatalog.TryGet(node.Op, out var op);
                var inputs = new Var[node.Inputs.Length];
                for (var k = 0; k < inputs.Length; k++)
                {
                    var input = node.Inputs[k];
                    inputs[k] = input.Kind switch
                    {
                        SpecInputKind.Parameter => leaves[input.Index],
                        SpecInputKind.Data => data[input.Index],
                        SpecInputKind.Constant => constants[input.Index],
                        _ => nodes[input.Index],
                    };
                }
                handles.Add(nodes[i] = session.Apply(op, SpecConversions.ToOp(node.Attributes), inputs).ReleasedByCreator());
            }

            var loss = nodes[spec.LossNode];
            if (spec.Reduction == LossReduction.Mean) handles.Add((loss /= total).ReleasedByCreator());
            if (loss.RequiresGradient) loss.Backward();
            var value = loss.Item();
            var gradients = ImmutableArray.CreateBuilder<Tensor>(leaves.Length);
            try
            {
                foreach (var p in leaves) gradients.Add(p.TakeGrad() ?? Tensor.Zeros(p.Shape));
            }
            catch
            {
                foreach (var g in gradients) g.Dispose();
                throw;
            }
            return new SpecResult(spec, value, gradients.MoveToImmutable());
        }
        finally
        {
            foreach (var handle in handles) handle.ReleaseNow();
            if (!session.IsDisposed) session.DrainReleased();
        }
    }
}
