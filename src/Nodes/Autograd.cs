using ActorGrad.Engine.Tensors;

namespace ActorGrad.Nodes;

/// <summary>
/// JAX's functional style: <c>Autograd.Grad(f)(x)</c> is the gradient of a scalar function at x,
/// computed on a fresh leaf, so no Var's accumulated gradient changes (JAX has none to change).
/// JAX's <c>lax.stop_gradient</c> is <see cref="Var.Detach"/>.
/// </summary>
public static class Autograd
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
            if (y.Length != 1)
                throw new ArgumentException($"Grad: the function must return a scalar (Gradient only defined for scalar-output functions); it returned shape {Shapes.Format(y.Shape)}.");
            if (!y.RequiresGradient) return (y.Value(), Tensor.Zeros(x.Shape)); // f does not depend on x
            y.Backward();
            return (y.Value(), leaf.Grad ?? Tensor.Zeros(x.Shape));
        };
    }
}
