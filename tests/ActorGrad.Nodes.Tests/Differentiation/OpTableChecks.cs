using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes.Ops;

namespace ActorGrad.Nodes.Tests.Differentiation;

/// <summary>
/// The inputs each op of the op table is checked at: shapes (with broadcasting and the vector and
/// batched forms where an op has them), attributes, and a domain away from poles and kinks. An op
/// with no entry here is checked at the default: same-shape inputs in [0.5, 1.5] (positive, away
/// from every kink at 0), no attributes; an op that needs more adds its cases here.
/// </summary>
public static class OpTableChecks
{
    public enum Domain { Any, Positive, AwayFromZero }

    /// <summary>One way to call an op: attributes, and per input a shape and a domain.</summary>
    public sealed record OpCase(OpAttributes Attributes, (int[] Shape, Domain Domain)[] Inputs)
    {
        public override string ToString() =>
            string.Join(" x ", Inputs.Select(i => Shapes.Format(i.Shape))) + (Attributes == OpAttributes.None ? "" : $" {Attributes}");
    }

    private static OpCase Case(params (int[] Shape, Domain Domain)[] inputs) => new(OpAttributes.None, inputs);
    private static OpCase Case(OpAttributes attributes, params (int[] Shape, Domain Domain)[] inputs) => new(attributes, inputs);
    private static (int[], Domain) Any(params int[] shape) => (shape, Domain.Any);
    private static (int[], Domain) Positive(params int[] shape) => (shape, Domain.Positive);
    private static (int[], Domain) NonZero(params int[] shape) => (shape, Domain.AwayFromZero);

    private static readonly Dictionary<string, OpCase[]> Explicit = new()
    {
        ["add"] = [Case(Any(2, 3), Any(3)), Case(Any(2, 1), Any(1, 3))],
        ["sub"] = [Case(Any(2, 3), Any(3))],
        ["mul"] = [Case(Any(2, 3), Any(3)), Case(Any(), Any(2, 2))],
        ["div"] = [Case(Any(2, 3), NonZero(3))],
        ["pow"] = [Case(Positive(2, 3), Any(3))],
        ["neg"] = [Case(Any(2, 3))],
        ["exp"] = [Case(Any(2, 3))],
        ["log"] = [Case(Positive(2, 3))],
        ["sin"] = [Case(Any(2, 3))],
        ["cos"] = [Case(Any(2, 3))],
        ["tanh"] = [Case(Any(2, 3))],
        ["sqrt"] = [Case(Positive(2, 3))],
        ["abs"] = [Case(NonZero(2, 3))],
        ["relu"] = [Case(NonZero(2, 3))],
        ["norm"] = [Case(NonZero(2, 3))],
        ["sum"] = [Case(Any(2, 3)), Case(new OpAttributes([0], KeepDims: true), Any(2, 3)), Case(new OpAttributes([-1]), Any(2, 3, 2))],
        ["max"] = [Case(Any(2, 3)), Case(new OpAttributes([1]), Any(2, 3))],
        ["min"] = [Case(Any(2, 3)), Case(new OpAttributes([0], KeepDims: true), Any(3, 2))],
        ["matmul"] = [Case(Any(2, 3), Any(3, 2)), Case(Any(3), Any(3, 2)), Case(Any(2, 3), Any(3)), Case(Any(3), Any(3)), Case(Any(2, 2, 3), Any(3, 2))],
        ["reshape"] = [Case(new OpAttributes(Shape: [3, -1]), Any(2, 3))],
        ["permute"] = [Case(new OpAttributes([2, 0, 1]), Any(2, 3, 2))],
    };

    /// <summary>The cases of <paramref name="op"/>: its entry, or the default.</summary>
    public static OpCase[] CasesOf(OpDefinition op) =>
        Explicit.TryGetValue(op.Name, out var cases) ? cases
        : [new OpCase(OpAttributes.None, Enumerable.Repeat((new[] { 2, 3 }, Domain.Positive), op.Arity).ToArray())];

    /// <summary>Every op of the table with each of its cases, for theories.</summary>
    public static TheoryData<string, int> All()
    {
        var data = new TheoryData<string, int>();
        foreach (var op in OpTable.All)
            for (var c = 0; c < CasesOf(op).Length; c++) data.Add(op.Name, c);
        return data;
    }

    /// <summary>Values for one input: seeded normal, shaped by the domain.</summary>
    public static Tensor Values(int seed, int[] shape, Domain domain, bool isDefault)
    {
        var t = Tensor.RandomNormal(seed, shape);
        var span = t.Span;
        for (var i = 0; i < span.Length; i++)
        {
            var v = span[i];
            span[i] = isDefault ? 1f + 0.5f * MathF.Tanh(v)
                : domain switch
                {
                    Domain.Positive => 0.5f + MathF.Abs(v),
                    Domain.AwayFromZero => (v >= 0 ? 1 : -1) * (0.3f + MathF.Abs(v)),
                    _ => v,
                };
        }
        return t;
    }

    public static bool HasExplicitCases(OpDefinition op) => Explicit.ContainsKey(op.Name);
}
