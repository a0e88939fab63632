using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes;
using ActorGrad.Nodes.Tracing;
using ActorGrad.Protocol.Specs;

namespace ActorGrad.Cluster.Gradients;

/// <summary>
/// A gradient job for a head that is not a scalar: what <c>y.Backward(v)</c> computes in-process (PyTorch's
/// <c>y.backward(gradient=v)</c>, MXNet's head gradients), for <c>y = head(inputs)</c> over a batch sharded across
/// members. The head gradient <c>v</c> has y's shape and travels with the batch as one more data input (sharded along
/// y's batch axis). The traced spec's loss is, per example, the sum of <c>y * v</c>, summed over the batch (reduction
/// Sum): its backward gives the product node <c>1 * v</c>, which is v to the bit, so the head receives exactly v and every
/// parameter's shard gradient is the VJP <c>y_s.Backward(v_s)</c>. The shards add up in shard order as in any job.
/// The result's <see cref="GradientResult.Loss"/> is that sum, the dot product of y and v.
/// </summary>
public static class HeadGradientJob
{
    /// <summary>The data input that carries the head gradient (a name no parameter or data input may take).</summary>
    public const string HeadGradientInput = "head-gradient";

    /// <summary>
    /// The job of <c>head(inputs).Backward(headGradient)</c> over <paramref name="batch"/> in <paramref name="shards"/>
    /// shards. <paramref name="headBatchAxis"/> is the axis of y (and of v) that holds the examples; y must have one: a
    /// head that does not depend on the batch is not a sum over examples and cannot be sharded.
    /// </summary>
    public static GradientJob Create(
        Func<ModelInputs, Var> head,
        IReadOnlyList<(string Name, Tensor Value)> parameters,
        IReadOnlyList<DataSample> samples,
        IReadOnlyDictionary<string, Tensor> batch,
        Tensor headGradient,
        int shards,
        int headBatchAxis = 0)
    {
        ArgumentNullException.ThrowIfNull(head);
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(headGradient);
        if (samples.Count == 0) throw new ArgumentException("A head-gradient job needs at least one data input besides the head gradient.", nameof(samples));
        if (headBatchAxis < 0 || headBatchAxis >= headGradient.Rank)
            throw new ArgumentOutOfRangeException(nameof(headBatchAxis), $"The head gradient of shape [{string.Join(", ", headGradient.Shape)}] has no axis {headBatchAxis} for the batch.");
        if (batch.ContainsKey(HeadGradientInput) || samples.Any(s => s.Name == HeadGradientInput) || parameters.Any(p => p.Name == HeadGradientInput))
            throw new ArgumentException($"The name '{HeadGradientInput}' is the head gradient's; rename the input that has it.");
        var first = samples[0];
        var batchExamples = batch.TryGetValue(first.Name, out var firstBatch) ? firstBatch.Shape[first.BatchAxis]
            : throw new ArgumentException($"Data input '{first.Name}' is missing from the batch.", nameof(batch));
        if (headGradient.Shape[headBatchAxis] != batchExamples)
            throw new ArgumentException($"The head gradient has {headGradient.Shape[headBatchAxis]} examples on axis {headBatchAxis}; the batch has {batchExamples}.", nameof(headGradient));

        var sampleExamples = first.Sample.Shape[first.BatchAxis];
        if (sampleExamples > batchExamples)
            throw new ArgumentException($"The samples have {sampleExamples} examples, more than the batch's {batchExamples}.", nameof(samples));
        // The tracer's sample of v: its first examples, as many as the other samples have.
        var headSample = new DataSample(HeadGradientInput, TensorOps.Slice(headGradient, headBatchAxis, 0, sampleExamples), headBatchAxis);

        Var PerExample(ModelInputs inputs)
        {
            var y = head(inputs);
            if (!y.Shape.SequenceEqual(inputs[HeadGradientInput].Shape))
                throw new ArgumentException($"The head has shape [{string.Join(", ", y.Shape)}] on the samples; the head gradient's sample has [{string.Join(", ", inputs[HeadGradientInput].Shape)}]: they must match.");
            var product = y * inputs[HeadGradientInput];
            var others = Enumerable.Range(0, product.Rank).Where(a => a != headBatchAxis).ToArray();
            return others.Length == 0 ? product : product.Sum(others); // per example: [B]
        }

        var spec = GraphTracer.Trace(PerExample, parameters, [.. samples, headSample], LossReduction.Sum);
        var jobBatch = new Dictionary<string, Tensor>(batch, StringComparer.Ordinal) { [HeadGradientInput] = headGradient };
        return new GradientJob(spec, parameters.ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal), jobBatch, shards);
    }
}
