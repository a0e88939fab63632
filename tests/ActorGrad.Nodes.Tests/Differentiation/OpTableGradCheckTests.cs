using ActorGrad.Nodes.Checking;
using ActorGrad.Nodes.Ops;
using ActorGrad.Engine.Tensors;

namespace ActorGrad.Nodes.Tests.Differentiation;

/// <summary>
/// Every op of the op table (walked, so new ops are covered) through Autograd.GradCheck: the
/// backward (VJP) and forward (JVP) Jacobians against central differences, and GradGradCheck for
/// second order: the Jacobian of the recorded VJP against differences of the VJP, and its JVP.
/// </summary>
public sealed class OpTableGradCheckTests : IDisposable
{
    private readonly Session _s = new();
    public void Dispose() => _s.Dispose();

    public static TheoryData<string, int> Cases => OpTableChecks.All();

    private static readonly GradCheckOptions Options = new() { CheckForwardMode = true };

    private (Func<Var[], Var> F, Var[] Inputs) Setup(string name, int caseIndex)
    {
        var op = OpTable.All.Single(o => o.Name == name);
        var c = OpTableChecks.CasesOf(op)[caseIndex];
        var isDefault = !OpTableChecks.HasExplicitCases(op);
        var inputs = c.Inputs.Select((input, i) =>
        {
            var value = _s.Tensor(OpTableChecks.Values(100 * caseIndex + 7 * i + name.Length, input, isDefault));
            return input.Domain == OpTableChecks.Domain.Fixed ? value : value.RequiresGrad();
        }).ToArray();
        return (xs => _s.Apply(op, c.Attributes, xs), inputs);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void FirstOrderBackwardAndForward(string op, int caseIndex)
    {
        var (f, inputs) = Setup(op, caseIndex);
        var result = Autograd.GradCheck(f, inputs, Options with { RaiseException = false });
        Assert.True(result.Passed, $"{op} case {caseIndex}: {result.Report}");
        Assert.True(result.EntriesChecked > 0);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void SecondOrder(string op, int caseIndex)
    {
        var (f, inputs) = Setup(op, caseIndex);
        var result = Autograd.GradGradCheck(f, inputs, options: Options with { RaiseException = false });
        Assert.True(result.Passed, $"{op} case {caseIndex}: {result.Report}");
    }

    [Fact]
    public void EveryOpHasAForwardModeRule() =>
        Assert.All(OpTable.All, op => Assert.NotNull(op.Tangent));
}
