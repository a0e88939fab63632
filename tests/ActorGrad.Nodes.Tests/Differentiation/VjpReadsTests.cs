using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes.Ops;

namespace ActorGrad.Nodes.Tests.Differentiation;

/// <summary>
/// Every op's VJP rules say truthfully what they read (<see cref="IVjpRule.ReadsResult"/>, <see cref="IVjpRule.ReadsInput"/>):
/// with every value a rule says it does not read replaced by NaN, its VJP has the same bits. A node leaves such values
/// deferred, so a rule that read one it said it does not would cost a pass, and this says which.
/// </summary>
public sealed class VjpReadsTests
{
    public static TheoryData<string, int> Cases => OpTableChecks.All();

    [Theory]
    [MemberData(nameof(Cases))]
    public void ARuleReadsNothingItSaysItDoesNotRead(string name, int caseIndex)
    {
        var op = OpTable.All.Single(o => o.Name == name);
        var c = OpTableChecks.CasesOf(op)[caseIndex];
        var isDefault = !OpTableChecks.HasExplicitCases(op);
        var inputs = c.Inputs.Select((input, i) => OpTableChecks.Values(100 * caseIndex + 7 * i + name.Length, input, isDefault)).ToArray();
        using var result = op.Forward(inputs, c.Attributes);
        result.Materialize();
        using var grad = Tensor.RandomNormal(3, result.Shape);
        for (var i = 0; i < inputs.Length; i++)
        {
            if (c.Inputs[i].Domain == OpTableChecks.Domain.Fixed) continue;
            var expected = Vjp(op, i, grad, inputs, result, c.Attributes);
            var blinded = inputs.Select((x, k) => op.Gradient.ReadsInput(k, i) ? x : Tensor.Full(float.NaN, x.Shape)).ToArray();
            var blindResult = op.Gradient.ReadsResult(i) ? result : Tensor.Full(float.NaN, result.Shape);
            var actual = Vjp(op, i, grad, blinded, blindResult, c.Attributes);
            Assert.True(expected.SequenceEqual(actual), $"{name} case {caseIndex}, input {i}: the VJP reads a value its rule says it does not read");
        }
    }

    private static float[] Vjp(OpDefinition op, int input, Tensor grad, Tensor[] inputs, Tensor result, OpAttributes attributes)
    {
        var algebra = TensorAlgebra.Rent();
        try
        {
            return op.Gradient.Vjp(algebra, input, new VjpArgs<Tensor>(grad, inputs, result, attributes)).ToArray();
        }
        finally
        {
            TensorAlgebra.Return(algebra);
        }
    }
}
