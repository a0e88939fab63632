using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes.Checking;

namespace ActorGrad.Nodes;

/// <summary>
/// Gradient checking as torch.autograd.gradcheck and gradgradcheck: the analytic Jacobian (all outputs
/// x all inputs that require a gradient) against central differences. The function runs in float32;
/// the differences are taken in double from float32 evaluations, over the step actually realised in
/// float32 ((float)(x + eps) - (float)(x - eps)), so the only float32 error left is that of f's values
/// (see <see cref="GradCheckOptions"/>). There is no float64 evaluation path.
/// </summary>
public static partial class Autograd
{
    /// <summary>Checks a single-output function.</summary>
    public static GradCheckResult GradCheck(Func<Var[], Var> f, IReadOnlyList<Var> inputs, GradCheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(f);
        return GradCheck(xs => [f(xs)], inputs, options);
    }

    /// <summary>
    /// Checks <paramref name="f"/>'s derivatives at <paramref name="inputs"/>: the backward-mode
    /// Jacobian (one backward pass per output element, through the node actors) and, if asked, the
    /// forward-mode one (one JVP per input element), against central differences. Inputs that do not
    /// require a gradient are held constant and not checked. Returns the result; throws a
    /// <see cref="GradCheckException"/> naming the input, element and both values on a mismatch when
    /// <see cref="GradCheckOptions.RaiseException"/> is set (the default).
    /// </summary>
    public static GradCheckResult GradCheck(Func<Var[], Var[]> f, IReadOnlyList<Var> inputs, GradCheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(f);
        var check = CheckedFunction.Create(f, inputs, options ?? GradCheckOptions.Default);
        var numerical = check.NumericalJacobian();
        var mismatches = new List<GradCheckMismatch>();
        check.Compare("backward", check.BackwardJacobian(), numerical, mismatches);
        if (check.Options.CheckForwardMode) check.Compare("forward", check.ForwardJacobian(), numerical, mismatches);
        mismatches.Sort((a, b) => Math.Abs(b.Analytic - b.Numerical).CompareTo(Math.Abs(a.Analytic - a.Numerical)));
        var result = new GradCheckResult(mismatches, check.EntryCount);
        if (!result.Passed && check.Options.RaiseException) throw new GradCheckException(result);
        return result;
    }

    /// <summary>Second order, single output: see <see cref="GradGradCheck(Func{Var[], Var[]}, IReadOnlyList{Var}, IReadOnlyList{Tensor}?, GradCheckOptions?)"/>.</summary>
    public static GradCheckResult GradGradCheck(Func<Var[], Var> f, IReadOnlyList<Var> inputs, Tensor? gradOutput = null, GradCheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(f);
        return GradGradCheck(xs => [f(xs)], inputs, gradOutput is null ? null : [gradOutput], options);
    }

    /// <summary>
    /// torch.autograd.gradgradcheck: checks the gradients of the gradients. The function checked is
    /// g(x) = the VJP of f at x with head gradients <paramref name="gradOutputs"/> (random, seeded,
    /// when not given), computed with createGraph, so its Jacobian (f's Hessian along the heads) comes
    /// from backward passes through the recorded gradient graph.
    /// </summary>
    public static GradCheckResult GradGradCheck(Func<Var[], Var[]> f, IReadOnlyList<Var> inputs, IReadOnlyList<Tensor>? gradOutputs = null, GradCheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count == 0) throw new ArgumentException("GradGradCheck: no inputs.", nameof(inputs));
        var session = inputs[0].Session;
        var differentiable = inputs.Select(x => x.RequiresGradient).ToArray();
        Tensor[] heads;
        using (session.NoGrad())
        {
            var shapes = f(inputs.Select(x => x.Detach()).ToArray()).Select(y => y.Shape).ToArray();
            if (gradOutputs is not null && (gradOutputs.Count != shapes.Length || gradOutputs.Where((h, i) => !h.ShapeEquals(shapes[i])).Any()))
                throw new ArgumentException($"GradGradCheck: the function returns shapes {string.Join(", ", shapes.Select(s => Shapes.Format(s)))}; the head gradients do not match them.", nameof(gradOutputs));
            heads = gradOutputs?.ToArray() ?? shapes.Select((s, i) => Tensor.RandomNormal(1234 + i, s)).ToArray();
        }

        Var[] Vjp(Var[] xs)
        {
            // Numerical evaluations run with recording off: the VJP needs it on, with leaves to start from.
            using var _ = session.EnableGrad();
            var leaves = xs.Select((x, i) => differentiable[i] && !x.RequiresGradient ? x.Detach().RequiresGrad() : x).ToArray();
            var ys = f(leaves);
            var weighted = ys.Select((y, o) => y.RequiresGradient ? (y * Var.Constant(session, heads[o].Clone())).Sum() : null).Where(s => s is not null).ToArray();
            var targets = leaves.Where((_, i) => differentiable[i]).ToArray();
            if (weighted.Length == 0) return targets.Select(x => Var.Constant(session, Tensor.Zeros(x.Shape))).ToArray();
            return Grad(weighted.Aggregate((a, b) => a! + b!)!, targets, createGraph: true);
        }
        return GradCheck(Vjp, inputs, options);
    }
}
