namespace ActorGrad.Nodes.Checking;

/// <summary>One Jacobian entry where the analytic derivative and the finite difference disagree.</summary>
/// <param name="Mode">"backward" (VJP rules) or "forward" (JVP rules).</param>
/// <param name="Output">Which output of the function.</param>
/// <param name="OutputElement">The output element (flat index).</param>
/// <param name="Input">Which input of the function.</param>
/// <param name="Element">The input element (flat index).</param>
/// <param name="Index">The input element's index per axis.</param>
public sealed record GradCheckMismatch(string Mode, int Output, int OutputElement, int Input, int Element, int[] Index, double Analytic, double Numerical)
{
    public override string ToString() =>
        $"{Mode} Jacobian mismatch for output {Output} element {OutputElement} with respect to input {Input}, element {Element} (index [{string.Join(", ", Index)}]): analytic {Analytic:R}, numerical {Numerical:R}";
}

/// <summary>What a gradient check found: passed, or the mismatching entries (largest error first).</summary>
public sealed class GradCheckResult(IReadOnlyList<GradCheckMismatch> mismatches, int entriesChecked)
{
    public bool Passed => Mismatches.Count == 0;
    public IReadOnlyList<GradCheckMismatch> Mismatches { get; } = mismatches;
    /// <summary>How many Jacobian entries were compared (per mode).</summary>
    public int EntriesChecked { get; } = entriesChecked;

    /// <summary>A report naming the first mismatches (input, element and both values), or that all entries agree.</summary>
    public string Report => Passed
        ? $"Gradient check passed: {EntriesChecked} Jacobian entries agree."
        : $"Gradient check failed: {Mismatches.Count} of {EntriesChecked} Jacobian entries disagree." + Environment.NewLine +
          string.Join(Environment.NewLine, Mismatches.Take(10)) + (Mismatches.Count > 10 ? Environment.NewLine + "..." : "");

    public override string ToString() => Report;
}

/// <summary>Thrown by a failing gradient check when <see cref="GradCheckOptions.RaiseException"/> is set.</summary>
public sealed class GradCheckException(GradCheckResult result) : Exception(result.Report)
{
    public GradCheckResult Result { get; } = result;
}
