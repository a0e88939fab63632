using System.Collections.Immutable;
using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes.Specs;
using ActorGrad.Protocol.Specs;

namespace ActorGrad.Nodes.Tracing;

/// <summary>
/// Records a C# loss function into a <see cref="GraphSpec"/> by running it once on sample values, as jax.jit traces
/// a Python function: every op on the parameters and data inputs is recorded with its attributes. What the
/// function computes from shapes (a count, a loop bound) is frozen at the sample's shapes; what it would compute
/// from values cannot be recorded, so reading a traced value fails (InvalidOperationException), as does randomness.
/// </summary>
public static class GraphTracer
{
    /// <summary>
    /// Traces <paramref name="loss"/>, which returns per-example losses [B] (or their sum over the batch), on
    /// <paramref name="parameters"/> (in the spec's order) and samples of the data inputs (at least 2 examples, the
    /// same number in each, so the tracer can tell the batch axis from the others).
    /// </summary>
    public static GraphSpec Trace(
        LossFunction loss,
        IReadOnlyList<(string Name, Tensor Value)> parameters,
        IReadOnlyList<DataSample> data,
        LossReduction reduction = LossReduction.Mean,
        SessionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(data);
        if (!Enum.IsDefined(reduction)) throw new ArgumentOutOfRangeException(nameof(reduction), $"Unknown loss reduction {(int)reduction}.");
        CheckInputs(parameters, data);

        using var session = new Session(options);
        var recorder = new TraceRecorder();
        var vars = new Dictionary<string, Var>(StringComparer.Ordinal);
        var specParameters = ImmutableArray.CreateBuilder<SpecParameter>(parameters.Count);
        for (var i = 0; i < parameters.Count; i++)
        {
            var (name, value) = parameters[i];
            var v = session.Tensor(value);
            vars[name] = v;
            recorder.Bind(v, SpecInput.Parameter(i), BatchAxes.None, $"parameter '{name}'");
            specParameters.Add(new SpecParameter(name, [.. value.Shape]));
        }
        var specData = ImmutableArray.CreateBuilder<SpecDataInput>(data.Count);
        for (var i = 0; i < data.Count; i++)
        {
            var sample = data[i];
            var v = session.Tensor(sample.Sample);
            vars[sample.Name] = v;
            recorder.Bind(v, SpecInput.Data(i), sample.BatchAxis, $"data input '{sample.Name}'");
            specData.Add(new SpecDataInput(sample.Name, [.. sample.Sample.Shape.Where((_, axis) => axis != sample.BatchAxis)], sample.BatchAxis));
        }

        Var result;
        session.Tracer = recorder;
        // Training mode, so that a dropout in the function fails loudly instead of vanishing.
        using (session.Record())
        {
            try { result = loss(new ModelInputs(session, vars)) ?? throw new InvalidOperationException("Tracing: the loss function returned null."); }
            finally { session.Tracer = null; }
        }

        var examples = data[0].Sample.Shape[data[0].BatchAxis];
        var lossNode = LossNode(recorder, result, examples);
        var spec = new GraphSpec(specParameters.MoveToImmutable(), specData.MoveToImmutable(), recorder.Constants, recorder.Nodes, lossNode, reduction);
        SpecValidator.CheckShapes(spec, examples); // the tracer's own output passes what a member checks
        return spec;
    }

    private static int LossNode(TraceRecorder recorder, Var result, int examples)
    {
        if (!recorder.TryGet(result, out var traced))
            throw new InvalidOperationException("Tracing: the loss function's result depends on no parameter and no data input; there is nothing to record.");
        if (traced.SummedOverBatch)
        {
            if (result.Rank != 0)
                throw new InvalidOperationException($"Tracing: the loss function returned a sum over the batch of shape {Shapes.Format(result.Shape)}; a scalar was expected (sum every axis, or return per-example losses [B]).");
            return traced.Ref.Index;
        }
        if (traced.BatchAxis == BatchAxes.None)
            throw new InvalidOperationException($"Tracing: the loss function returned {traced.Origin}, which depends on no data input: a spec's loss is the sum of per-example losses over a batch of data.");
        if (result.Rank != 1 || traced.BatchAxis != 0)
            throw new InvalidOperationException($"Tracing: the loss function returned {traced.Origin} of shape {Shapes.Format(result.Shape)} with the batch on axis {traced.BatchAxis}; return the per-example losses, shape [{examples}] (sum each example's other axes first), or their sum over the batch.");
        // The per-example losses, summed over the batch: the spec's loss node (the runner applies the mean).
        return recorder.AppendNode("sum", traced.Ref);
    }

    private static void CheckInputs(IReadOnlyList<(string Name, Tensor Value)> parameters, IReadOnlyList<DataSample> data)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, value) in parameters)
        {
            if (string.IsNullOrEmpty(name)) throw new ArgumentException("Tracing: a parameter has no name.", nameof(parameters));
            ArgumentNullException.ThrowIfNull(value, $"parameter '{name}'");
            if (!names.Add(name)) throw new ArgumentException($"Tracing: the name '{name}' is given twice; parameters and data inputs share one namespace.", nameof(parameters));
        }
        if (data.Count == 0) throw new ArgumentException("Tracing: a spec needs at least one data input, whose batch it is sharded along.", nameof(data));
        int? examples = null;
        foreach (var sample in data)
        {
            ArgumentNullException.ThrowIfNull(sample);
            if (string.IsNullOrEmpty(sample.Name)) throw new ArgumentException("Tracing: a data input has no name.", nameof(data));
            ArgumentNullException.ThrowIfNull(sample.Sample, $"data input '{sample.Name}'");
            if (!names.Add(sample.Name)) throw new ArgumentException($"Tracing: the name '{sample.Name}' is given twice; parameters and data inputs share one namespace.", nameof(data));
            var shape = sample.Sample.Shape;
            if (sample.BatchAxis < 0 || sample.BatchAxis >= shape.Length)
                throw new ArgumentOutOfRangeException(nameof(data), $"Tracing: data input '{sample.Name}' of shape {Shapes.Format(shape)} has no axis {sample.BatchAxis} for its batch.");
            var n = shape[sample.BatchAxis];
            if (n < 2)
                throw new ArgumentException($"Tracing: data input '{sample.Name}' has {n} example(s); trace on at least 2, so that the batch axis cannot be mistaken for a broadcast axis of size 1.", nameof(data));
            if (examples is { } m && m != n)
                throw new ArgumentException($"Tracing: data input '{sample.Name}' has {n} examples on its batch axis, the first data input {m}; every data input holds the same examples.", nameof(data));
            examples = n;
        }
    }
}
