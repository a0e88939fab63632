using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes.Graph;

namespace ActorGrad.Nodes;

/// <summary>
/// JAX's functional style: <c>Autograd.Grad(f)(x)</c> is the gradient of a scalar function at x,
/// computed on a fresh leaf, so no Var's accumulated gradient changes (JAX has none to change).
/// JAX's <c>lax.stop_gradient</c> is <see cref="Var.Detach"/>. Also PyTorch's torch.autograd.grad
/// (<see cref="Grad(Var, IReadOnlyList{Var}, Tensor?, bool)"/>), forward mode (<see cref="Jvp(Func{Var, Var}, Var, Tensor)"/>)
/// and gradient checking (Autograd.GradCheck.cs).
/// </summary>
public static partial class Autograd
{
    /// <summary>The function x -> df/dx for a scalar-valued <paramref name="f"/>.</summary>
    public static Func<Var, Tensor> Grad(Func<Var, Var> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        return x => ValueAndGrad(f)(x).Gradient;
    }

    /// <summary>The function x -> (f(x), df/dx), as jax.value_and_grad.</summary>
    public static Func<Var, (Tensor Value, Tensor Gradient)> ValueAndGrad(Func<Var, Var> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        return x =>
        {
            ArgumentNullException.ThrowIfNull(x);
            var leaf = x.Detach().RequiresGrad();
            var y = f(leaf);
            ThrowIfNotScalar(y);
            if (!y.RequiresGradient) return (y.Value(), Tensor.Zeros(x.Shape)); // f does not depend on x
            y.Backward();
            return (y.Value(), leaf.Grad ?? Tensor.Zeros(x.Shape));
        };
    }

    /// <summary>
    /// The function x -> df/dx as a Var. With <paramref name="createGraph"/> the gradient is recorded
    /// (a graph of node actors connected to x), so it can be differentiated again:
    /// <c>Grad(Grad(f, true), true)</c> is the second derivative, as jax.grad(jax.grad(f)). A Var x
    /// that requires a gradient is differentiated in place (its graph stays connected, which nesting
    /// needs; its own Grad does not change); a constant x gets a fresh leaf.
    /// </summary>
    public static Func<Var, Var> Grad(Func<Var, Var> f, bool createGraph)
    {
        ArgumentNullException.ThrowIfNull(f);
        return x =>
        {
            ArgumentNullException.ThrowIfNull(x);
            var input = x.RequiresGradient ? x : x.Detach().RequiresGrad();
            var y = f(input);
            ThrowIfNotScalar(y);
            if (!y.RequiresGradient) return Var.Constant(x.Session, Tensor.Zeros(x.Shape));
            return Grad(y, [input], createGraph: createGraph)[0];
        };
    }

    /// <summary>
    /// PyTorch's torch.autograd.grad: the gradients of <paramref name="output"/> (seeded with
    /// <paramref name="gradOutput"/>, or 1 for a scalar) with respect to each of <paramref name="inputs"/>,
    /// leaves or not, without touching any Var's Grad. With <paramref name="createGraph"/> they are
    /// recorded Vars that can be differentiated again; otherwise constants. An input the output does
    /// not depend on gets zeros (PyTorch's materialize_grads). Nothing is freed.
    /// </summary>
    public static Var[] Grad(Var output, IReadOnlyList<Var> inputs, Tensor? gradOutput = null, bool createGraph = false)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(inputs);
        var session = output.Session;
        session.ThrowIfDisposed();
        var targets = new HashSet<GraphNode>();
        for (var i = 0; i < inputs.Count; i++)
        {
            var input = inputs[i] ?? throw new ArgumentNullException(nameof(inputs), $"Grad: input {i} is null.");
            if (!ReferenceEquals(input.Session, session))
                throw new ArgumentException($"Grad: input {i} belongs to another session than the output.");
            targets.Add(input.Node ?? throw new ArgumentException(
                $"Grad: input {i} does not require grad: it is a constant, so no gradient is defined for it (call RequiresGrad() on it before computing the output)."));
        }
        var rootNode = output.Node ?? throw BackwardPass.NothingRecordedError();
        session.DrainReleased();
        var seed = Var.Constant(session, BackwardPass.Seed(output, gradOutput, implicitSum: false));
        Dictionary<GraphNode, Var> grads;
        // Without createGraph the rules run on the same Vars with recording off: each op is computed at once, as a constant.
        using (createGraph ? null : session.NoGrad())
            grads = RecordedBackward.Run(session, rootNode, seed, targets);
        return inputs.Select(input => grads.TryGetValue(input.Node!, out var g)
            ? createGraph ? g : g.RequiresGradient ? g.Detach() : g
            : Var.Constant(session, Tensor.Zeros(input.Shape))).ToArray();
    }

    /// <summary>
    /// Forward mode (jax.jvp): f(x) and its directional derivative along <paramref name="tangent"/>,
    /// computed in one forward pass: the tangent travels with the forward messages and each node
    /// applies its op's JVP rule.
    /// </summary>
    public static (Tensor Value, Tensor Tangent) Jvp(Func<Var, Var> f, Var x, Tensor tangent)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(x);
        var (values, tangents) = Jvp(xs => [f(xs[0])], [x], [tangent]);
        return (values[0], tangents[0]);
    }

    /// <summary>
    /// Forward mode for several inputs and outputs: the outputs' values and their tangents along the
    /// inputs' <paramref name="tangents"/> (a null tangent holds that input constant). Inputs are taken
    /// by value: f runs on fresh duals (<see cref="Session.MakeDual"/>), not on the inputs' graphs.
    /// </summary>
    public static (Tensor[] Values, Tensor[] Tangents) Jvp(Func<Var[], Var[]> f, IReadOnlyList<Var> inputs, IReadOnlyList<Tensor?> tangents)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(tangents);
        if (inputs.Count != tangents.Count)
            throw new ArgumentException($"Jvp: {inputs.Count} inputs but {tangents.Count} tangents.");
        var duals = new Var[inputs.Count];
        for (var i = 0; i < duals.Length; i++)
        {
            var x = inputs[i] ?? throw new ArgumentNullException(nameof(inputs), $"Jvp: input {i} is null.");
            duals[i] = tangents[i] is { } t ? x.Session.MakeDual(x.ReadValue(), t) : x.Detach();
        }
        var outputs = f(duals);
        return (outputs.Select(y => y.Value()).ToArray(),
            outputs.Select(y => y.Tangent ?? Tensor.Zeros(y.Shape)).ToArray());
    }

    private static void ThrowIfNotScalar(Var y)
    {
        if (y.Length != 1)
            throw new ArgumentException($"Grad: the function must return a scalar (Gradient only defined for scalar-output functions); it returned shape {Shapes.Format(y.Shape)}.");
    }
}
