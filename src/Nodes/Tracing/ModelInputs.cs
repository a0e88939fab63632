namespace ActorGrad.Nodes.Tracing;

/// <summary>
/// What a loss function sees: its parameters and data inputs by name, as Vars of one session. The tracer passes
/// these to record a spec; any other caller can pass its own (say, to compute the same loss directly).
/// </summary>
public sealed class ModelInputs
{
    private readonly IReadOnlyDictionary<string, Var> _vars;

    public ModelInputs(Session session, IReadOnlyDictionary<string, Var> vars)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(vars);
        Session = session;
        _vars = vars;
    }

    /// <summary>The session the Vars live in (for constants: <c>inputs.Session.Scalar(2)</c>).</summary>
    public Session Session { get; }

    /// <summary>The parameter or data input named <paramref name="name"/>.</summary>
    public Var this[string name] => _vars.TryGetValue(name, out var v) ? v
        : throw new KeyNotFoundException($"The loss function asked for '{name}', which is neither a parameter nor a data input; known: {string.Join(", ", _vars.Keys.Select(k => $"'{k}'"))}.");
}

/// <summary>
/// A loss function to trace: it returns the per-example losses, shape [B] (one per example of the batch), or their
/// sum over the batch as a scalar. Never the mean: the 1/B belongs to the runner (see GraphSpec's batch rule).
/// </summary>
public delegate Var LossFunction(ModelInputs inputs);

/// <summary>A sample of a data input for tracing: its value for a few examples, and which axis holds the examples.</summary>
public sealed record DataSample(string Name, Engine.Tensors.Tensor Sample, int BatchAxis = 0);
