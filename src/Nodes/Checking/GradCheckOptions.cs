namespace ActorGrad.Nodes.Checking;

/// <summary>
/// Settings of <see cref="Autograd.GradCheck(Func{Var[], Var[]}, IReadOnlyList{Var}, GradCheckOptions?)"/>
/// (torch.autograd.gradcheck's eps, atol, rtol, raise_exception, check_forward_ad). An element passes
/// when |analytic - numerical| &lt;= Atol + Rtol * |numerical|.
/// </summary>
/// <remarks>
/// The defaults are looser than PyTorch's (eps 1e-6, atol 1e-5, rtol 1e-3 in float64) because ActorGrad
/// evaluates in float32: a central difference of float32 values has a rounding error of about
/// ulp(f) / eps (6e-5 * |f| at eps = 1e-3) on top of its truncation error of eps^2 * f''' / 6.
/// </remarks>
public sealed record GradCheckOptions
{
    /// <summary>The finite-difference step added to and taken from each input element.</summary>
    public double Eps { get; init; } = 1e-3;
    public double Atol { get; init; } = 1e-3;
    public double Rtol { get; init; } = 1e-2;
    /// <summary>Throw a <see cref="GradCheckException"/> on a mismatch (PyTorch's default) instead of only returning the result.</summary>
    public bool RaiseException { get; init; } = true;
    /// <summary>Also check the forward-mode Jacobian (JVP rules, one column per input element) against the numerical one.</summary>
    public bool CheckForwardMode { get; init; }

    public static GradCheckOptions Default { get; } = new();
}
