using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes.Ops;

namespace ActorGrad.Nodes.Tests.Differentiation;

/// <summary>
/// The inputs each op of the op table is checked at: shapes (with broadcasting and the vector and
/// batched forms where an op has them), attributes, and a domain away from poles and kinks. An op
/// with no entry here is checked at the default: same-shape inputs in [0.5, 1.5] (positive, away
/// from every kink at 0), no attributes, two inputs for a variadic op; an op that needs more adds its
/// cases here. A <see cref="Domain.Fixed"/> input (an index, a mask) is a constant, not checked.
/// </summary>
public static class OpTableChecks
{
    public enum Domain { Any, Positive, AwayFromZero, Fixed }

    /// <summary>One input of a case: its shape, its domain, and its values when given (always for a <see cref="Domain.Fixed"/> input).</summary>
    public sealed record Input(int[] Shape, Domain Domain, float[]? Values = null)
    {
        public static implicit operator Input((int[] Shape, Domain Domain) input) => new(input.Shape, input.Domain);
    }

    /// <summary>One way to call an op: attributes, and per input a shape and a domain.</summary>
    public sealed record OpCase(OpAttributes Attributes, Input[] Inputs)
    {
        public override string ToString() =>
            string.Join(" x ", Inputs.Select(i => Shapes.Format(i.Shape))) + (Attributes == OpAttributes.None ? "" : $" {Attributes}");
    }

    private static OpCase Case(params Input[] inputs) => new(OpAttributes.None, inputs);
    private static OpCase Case(OpAttributes attributes, params Input[] inputs) => new(attributes, inputs);
    private static Input Any(params int[] shape) => new(shape, Domain.Any);
    private static Input Positive(params int[] shape) => new(shape, Domain.Positive);
    private static Input NonZero(params int[] shape) => new(shape, Domain.AwayFromZero);
    /// <summary>A checked input with these values (to keep them off an op's kinks).</summary>
    private static Input At(int[] shape, params float[] values) => new(shape, Domain.Any, values);
    /// <summary>A constant input (indices, a mask) with these values: not checked.</summary>
    private static Input Fixed(int[] shape, params float[] values) => new(shape, Domain.Fixed, values);

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
        ["sigmoid"] = [Case(Any(2, 3))],
        ["softplus"] = [Case(Any(2, 3))],
        ["logsigmoid"] = [Case(Any(2, 3))],
        ["logsumexp"] = [Case(Any(2, 3)), Case(new OpAttributes([1]), Any(2, 3)), Case(new OpAttributes([0], KeepDims: true), Any(2, 3))],
        ["clamp"] = [Case(new OpAttributes(Min: -0.5f, Max: 0.5f), At([2, 3], -1f, -0.3f, 0.1f, 0.45f, 0.7f, -0.55f)), Case(new OpAttributes(Min: 0f), NonZero(2, 3))],
        ["maximum"] = [Case(Any(2, 3), Any(3))],
        ["minimum"] = [Case(Any(2, 3), Any(3))],
        ["where"] = [Case(Fixed([2, 3], 1, 0, 1, 0, 0, 1), Any(2, 3), Any(3))],
        ["sort"] = [Case(new OpAttributes([1]), Any(2, 3)), Case(new OpAttributes([0], Descending: true), Any(3, 2))],
        ["topk"] = [Case(new OpAttributes([1], K: 2, Descending: true), Any(2, 3)), Case(new OpAttributes([-1], K: 1), Any(2, 3))],
        ["argmax"] = [Case(new OpAttributes([1]), Any(2, 3)), Case(Any(2, 3))],
        ["argmin"] = [Case(new OpAttributes([0], KeepDims: true), Any(2, 3))],
        ["index_select"] = [Case(new OpAttributes([1], Indices: [2, 0, 2]), Any(2, 3))],
        ["index_add"] = [Case(new OpAttributes([0], Shape: [4, 3], Indices: [3, 1]), Any(2, 3))],
        ["gather"] = [Case(new OpAttributes([1]), Any(2, 3), Fixed([2, 2], 2, 0, 1, 1))],
        ["scatter_add"] = [Case(new OpAttributes([1], Shape: [2, 3]), Fixed([2, 2], 2, 0, 1, 1), Any(2, 2))],
        ["concat"] = [Case(new OpAttributes([0]), Any(2, 3), Any(1, 3)), Case(new OpAttributes([-1]), Any(2, 1), Any(2, 2), Any(2, 3))],
    };

    /// <summary>The cases of <paramref name="op"/>: its entry, or the default.</summary>
    public static OpCase[] CasesOf(OpDefinition op) =>
        Explicit.TryGetValue(op.Name, out var cases) ? cases
        : [new OpCase(OpAttributes.None, Enumerable.Repeat(new Input([2, 3], Domain.Positive), Math.Max(op.Arity, 2)).ToArray())];

    /// <summary>Every op of the table with each of its cases, for theories.</summary>
    public static TheoryData<string, int> All()
    {
        var data = new TheoryData<string, int>();
        foreach (var op in OpTable.All)
            for (var c = 0; c < CasesOf(op).Length; c++) data.Add(op.Name, c);
        return data;
    }

    /// <summary>Values for one input: its fixed values, or seeded normal shaped by the domain.</summary>
    public static Tensor Values(int seed, Input input, bool isDefault)
    {
        if (input.Values is { } values) return Tensor.FromArray(values, input.Shape);
        var (shape, domain) = (input.Shape, input.Domain);
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
