using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes.Ops;

namespace ActorGrad.Nodes.Specs;

/// <summary>
/// Where the batch axis of a value goes through each op, and which ops would mix examples. The tracer and the
/// validator share these rules: they are what makes a spec's shards add up (the batch rule on GraphSpec).
/// A value has at most one batch axis; a value that does not depend on the data has none.
/// </summary>
internal static class BatchAxes
{
    public const int None = -1;

    /// <summary>The batch axis of an op's result, or that the op summed over the batch (allowed for the loss only).</summary>
    public readonly record struct Flow(int Axis, bool SummedOverBatch)
    {
        public static readonly Flow NoBatch = new(None, false);
    }

    /// <summary>
    /// The flow through <paramref name="op"/> of inputs with <paramref name="shapes"/> and batch <paramref name="axes"/>
    /// (<see cref="None"/> for an input without one) to <paramref name="result"/>; throws <see cref="BatchRuleViolation"/>.
    /// </summary>
    public static Flow Through(string op, int[][] shapes, int[] axes, OpAttributes at, int[] result, Func<int, string> describe)
    {
        if (Array.TrueForAll(axes, a => a == None)) return Flow.NoBatch;
        switch (op)
        {
            case "neg" or "exp" or "log" or "sin" or "cos" or "tanh" or "sqrt" or "abs" or "relu"
                or "sigmoid" or "softplus" or "logsigmoid" or "clamp":
                return new(axes[0], false);
            case "add" or "sub" or "mul" or "div" or "pow" or "maximum" or "minimum" or "where":
                return new(Broadcast(op, shapes, axes, result.Length, describe), false);
            case "sum" or "max" or "min" or "logsumexp" or "argmax" or "argmin":
                return Reduce(op, shapes[0], axes[0], at, describe);
            case "sort" or "topk" or "index_select":
                return new(AlongOtherAxis(op, shapes[0].Length, axes[0], at, describe), false);
            case "gather":
                return new(Gather(shapes, axes, at, describe), false);
            case "concat":
                return new(Concat(shapes, axes, at, describe), false);
            case "norm":
                throw new BatchRuleViolation($"op 'norm' takes the norm over every example of {describe(0)}, which mixes examples");
            case "matmul":
                return new(MatMul(shapes, axes, result.Length, describe), false);
            case "reshape":
                return new(Reshape(shapes[0], axes[0], result, describe), false);
            case "permute":
                return new(Array.IndexOf(at.Axes!, axes[0]), false);
            default:
                throw new BatchRuleViolation($"op '{op}' has no batch rule: it cannot take {describe(Array.FindIndex(axes, a => a != None))}, which has a batch axis");
        }
    }

    /// <summary>An op that works along one axis keeps the batch axis where it is, if it is not that axis.</summary>
    private static int AlongOtherAxis(string op, int rank, int axis, OpAttributes at, Func<int, string> describe)
    {
        if (Shapes.NormalizeAxis(at.Axes![0], rank, op) == axis)
            throw new BatchRuleViolation($"op '{op}' works along the batch axis of {describe(0)}, which mixes examples");
        return axis;
    }

    /// <summary>gather pairs x and index element by element off its axis: both must carry the batch axis at one position.</summary>
    private static int Gather(int[][] shapes, int[] axes, OpAttributes at, Func<int, string> describe)
    {
        if (axes[0] != axes[1])
            throw new BatchRuleViolation($"op 'gather' pairs {describe(0)} with {describe(1)}, whose batch axes differ: both must be batched on the same axis, and an index per example must come from a data input");
        return AlongOtherAxis("gather", shapes[0].Length, axes[0], at, describe);
    }

    /// <summary>concat joins inputs along one axis: every input must carry the batch axis at one position, not that axis.</summary>
    private static int Concat(int[][] shapes, int[] axes, OpAttributes at, Func<int, string> describe)
    {
        for (var i = 1; i < axes.Length; i++)
            if (axes[i] != axes[0])
                throw new BatchRuleViolation($"op 'concat' joins {describe(0)} and {describe(i)}, whose batch axes differ; every input must be batched on the same axis");
        return AlongOtherAxis("concat", shapes[0].Length, axes[0], at, describe);
    }

    /// <summary>A reshape's target as a spec records it: -1 at the batch axis, so the same spec reshapes a shard of any size.</summary>
    public static int[] RecordedReshape(int[] result, int axis)
    {
        var shape = (int[])result.Clone();
        shape[axis] = -1;
        return shape;
    }

    private static int Broadcast(string op, int[][] shapes, int[] axes, int rank, Func<int, string> describe)
    {
        // Shapes line up from the right: input i's axis k is the result's axis k + rank - rank_i.
        var position = None;
        for (var i = 0; i < shapes.Length; i++)
        {
            if (axes[i] == None) continue;
            var p = axes[i] + rank - shapes[i].Length;
            if (position != None && p != position)
                throw new BatchRuleViolation($"op '{op}' lines up the batch axes of its inputs at different positions ({string.Join(", ", Enumerable.Range(0, shapes.Length).Select(describe))}), which pairs different examples");
            position = p;
        }
        for (var i = 0; i < shapes.Length; i++)
        {
            if (axes[i] != None) continue;
            var k = position - (rank - shapes[i].Length);
            if (k >= 0 && shapes[i][k] != 1)
                throw new BatchRuleViolation($"op '{op}' lines up axis {k} of {describe(i)} with the batch axis of {describe(Array.FindIndex(axes, a => a != None))}: a value per example must come from a data input, not from a parameter or a constant");
        }
        return position;
    }

    private static Flow Reduce(string op, int[] shape, int axis, OpAttributes at, Func<int, string> describe)
    {
        var reduced = Shapes.NormalizeAxes(at.Axes, shape.Length, op);
        if (Array.IndexOf(reduced, axis) < 0)
            return new(at.KeepDims ? axis : axis - reduced.Count(r => r < axis), false);
        if (op != "sum")
            throw new BatchRuleViolation($"op '{op}' reduces over the batch axis of {describe(0)}, which mixes examples");
        return new(None, true);
    }

    private static int MatMul(int[][] shapes, int[] axes, int rank, Func<int, string> describe)
    {
        int ra = shapes[0].Length, rb = shapes[1].Length;
        // The result axis each operand's batch axis becomes, or None when the product contracts over it.
        var pa = axes[0] == None ? None : (ra, axes[0]) switch
        {
            (2, 0) => rb == 3 ? 1 : 0,
            (3, 0) => 0,
            (3, 1) => 1,
            _ => Contracted(0),
        };
        var pb = axes[1] == None ? None : (rb, axes[1]) switch
        {
            (2, 1) => rank - 1,
            (3, 0) => 0,
            (3, 2) => rank - 1,
            _ => Contracted(1),
        };
        if (pa != None && pb != None && pa != pb)
            throw new BatchRuleViolation($"op 'matmul' pairs every example of {describe(0)} with every example of {describe(1)}, which mixes examples");
        var position = pa != None ? pa : pb;
        // The stacked-matrix axis is the only one both operands share: the other operand must broadcast along it.
        if (position == 0 && rank == 3)
        {
            var other = pa != None ? 1 : 0;
            if ((pa == None || pb == None) && shapes[other].Length == 3 && shapes[other][0] != 1)
                throw new BatchRuleViolation($"op 'matmul' lines up axis 0 of {describe(other)} with the batch axis of {describe(1 - other)}: a value per example must come from a data input");
        }
        return position;

        int Contracted(int i) => throw new BatchRuleViolation($"op 'matmul' contracts over the batch axis of {describe(i)}, which sums over examples");
    }

    private static int Reshape(int[] shape, int axis, int[] result, Func<int, string> describe)
    {
        // Only the dimensions after the batch axis may change: then each example's block is reshaped on its own.
        if (result.Length > axis && shape.AsSpan(0, axis + 1).SequenceEqual(result.AsSpan(0, axis + 1))) return axis;
        throw new BatchRuleViolation($"op 'reshape' to {Shapes.Format(result)} moves or merges the batch axis {axis} of {describe(0)}; only the axes after it may change");
    }
}

/// <summary>An op that would mix the examples of a batch (see <see cref="BatchAxes"/>).</summary>
internal sealed class BatchRuleViolation(string message) : Exception(message);
