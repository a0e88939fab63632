using System.Collections.Immutable;
using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes.Ops;
using ActorGrad.Nodes.Specs;
using ActorGrad.Protocol.Specs;

namespace ActorGrad.Nodes.Tracing;

/// <summary>
/// A session's recorder while a loss function is traced (Session.Tracer): every op that reaches a parameter or a
/// data input, directly or through earlier ops, becomes a node of the spec; a Var that reaches neither is a
/// constant, recorded by value when an op uses it. Reading the value of a traced Var fails: the spec would not see
/// what the function did with it.
/// </summary>
internal sealed class TraceRecorder
{
    private readonly Dictionary<Var, Traced> _traced = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Var, int> _constantIndex = new(ReferenceEqualityComparer.Instance);
    private readonly List<SpecTensor> _constants = [];
    private readonly List<SpecNode> _nodes = [];
    // Inside Session.Apply the engine reads its inputs' values to compute them: that is not the function reading.
    private bool _capturing;

    /// <summary>What the recorder knows of a Var it traces: its reference in the spec and its batch axis.</summary>
    internal readonly record struct Traced(SpecInput Ref, int BatchAxis, bool SummedOverBatch, string Origin);

    public bool IsCapturing => _capturing;
    public ImmutableArray<SpecTensor> Constants => [.. _constants];
    public ImmutableArray<SpecNode> Nodes => [.. _nodes];

    public void Bind(Var v, SpecInput reference, int batchAxis, string origin) => _traced[v] = new Traced(reference, batchAxis, false, origin);

    public bool TryGet(Var v, out Traced traced) => _traced.TryGetValue(v, out traced);

    /// <summary>Appends a node reading <paramref name="input"/> (the tracer's final sum) and returns its index.</summary>
    public int AppendNode(string op, SpecInput input)
    {
        _nodes.Add(new SpecNode(op, SpecAttributes.None, [input]));
        return _nodes.Count - 1;
    }

    /// <summary>Session.Apply while tracing: the op runs as usual, then is recorded.</summary>
    public Var Apply(Session session, OpDefinition op, OpAttributes attributes, ReadOnlySpan<Var> inputs)
    {
        if (!session.IsGradEnabled)
            foreach (var input in inputs)
                if (input is not null && _traced.TryGetValue(input, out var t))
                    throw new InvalidOperationException(
                        $"Tracing: op '{op.Name}' on {t.Origin} runs inside NoGrad(). A graph spec has no stop-gradient, so tracing does not capture NoGrad() or Detach(): every op of the loss is differentiated. Compute such values outside the loss and pass them in as data.");
        Var result;
        _capturing = true;
        try { result = session.Apply(op, attributes, inputs); }
        finally { _capturing = false; }
        Record(op, attributes, inputs, result);
        return result;
    }

    private void Record(OpDefinition op, OpAttributes attributes, ReadOnlySpan<Var> inputs, Var result)
    {
        var traced = new Traced?[inputs.Length];
        var any = false;
        for (var i = 0; i < inputs.Length; i++)
        {
            if (!_traced.TryGetValue(inputs[i], out var t)) continue;
            if (t.SummedOverBatch)
                throw new InvalidOperationException(
                    $"Tracing: op '{op.Name}' uses {t.Origin}, a sum over the batch. A graph spec's loss is the sum of per-example losses and nothing may follow that sum: return the per-example losses (shape [B]) or their plain sum, and choose LossReduction.Mean for a mean (the runner divides by the full batch size, so shards add up).");
            traced[i] = t;
            any = true;
        }
        if (!any) return; // constants only: the result is a constant too, recorded by value if an op uses it

        var shapes = new int[inputs.Length][];
        var axes = new int[inputs.Length];
        var references = ImmutableArray.CreateBuilder<SpecInput>(inputs.Length);
        for (var i = 0; i < inputs.Length; i++)
        {
            shapes[i] = inputs[i].Shape;
            axes[i] = traced[i]?.BatchAxis ?? BatchAxes.None;
            references.Add(traced[i]?.Ref ?? SpecInput.Constant(ConstantIndex(inputs[i])));
        }
        var index = _nodes.Count;
        string Describe(int i) => $"{traced[i]?.Origin ?? "a constant"} of shape {Shapes.Format(shapes[i])}";
        BatchAxes.Flow flow;
        try { flow = BatchAxes.Through(op.Name, shapes, axes, attributes, result.Shape, Describe); }
        catch (BatchRuleViolation e)
        {
            throw new InvalidOperationException(
                $"Tracing: {e.Message} (node {index}). A graph spec's examples must stay independent so that the gradients of shards of a batch add up to the batch's gradient: write the loss per example, and pass values that differ per example as data inputs.", e);
        }

        var recorded = attributes;
        if (op.Name == "reshape" && axes[0] != BatchAxes.None)
            recorded = attributes with { Shape = BatchAxes.RecordedReshape(result.Shape, axes[0]) };
        _nodes.Add(new SpecNode(op.Name, SpecConversions.ToSpec(recorded), references.MoveToImmutable()));
        _traced[result] = new Traced(SpecInput.Node(index), flow.Axis, flow.SummedOverBatch, $"the result of op '{op.Name}' (node {index})");
    }

    private int ConstantIndex(Var constant)
    {
        if (_constantIndex.TryGetValue(constant, out var index)) return index;
        _constants.Add(new SpecTensor(constant.ReadValue()));
        return _constantIndex[constant] = _constants.Count - 1;
    }

    /// <summary>Var's value reads call this: reading a traced value outside the engine fails, naming what produced it.</summary>
    public void OnValueRead(Var v)
    {
        if (_capturing || !_traced.TryGetValue(v, out var t)) return;
        throw new InvalidOperationException(
            $"Tracing read the value of {t.Origin}. A graph spec records ops, not values, so tracing does not capture value-dependent control flow (as with jax.jit): an if, a loop or an index computed from Item(), ToArray(), Value(), an indexer, ToString() or Detach() of a traced Var would be frozen at the sample's values. Express it with ops (Relu, Max, a mask from data), or pass the value in as data.");
    }

    public static InvalidOperationException RandomnessNotTraced() => new(
        "Tracing does not capture randomness: dropout and RandomNormal/RandomUniform draw from the session's random numbers, which a graph spec would freeze into constants of the sample. Trace the loss without dropout, or pass the noise in as a data input.");
}
