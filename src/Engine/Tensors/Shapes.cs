namespace ActorGrad.Engine.Tensors;

/// <summary>Shape arithmetic shared by every op: element counts, strides, broadcasting, axes.</summary>
public static class Shapes
{
    public static int ElementCount(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (var d in shape)
        {
            if (d < 0) throw new ArgumentException($"Shape {Format(shape)} has a negative dimension.");
            n *= d;
            if (n > Array.MaxLength) throw new ArgumentException($"Shape {Format(shape)} has more elements than an array can hold.");
        }
        return (int)n;
    }

    public static string Format(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";

    /// <summary>Row-major strides of a contiguous tensor of this shape.</summary>
    public static int[] Strides(ReadOnlySpan<int> shape)
    {
        var strides = new int[shape.Length];
        var s = 1;
        for (var i = shape.Length - 1; i >= 0; i--)
        {
            strides[i] = s;
            s *= shape[i];
        }
        return strides;
    }

    /// <summary>NumPy broadcasting of two shapes; throws naming the op and both shapes.</summary>
    public static int[] Broadcast(ReadOnlySpan<int> a, ReadOnlySpan<int> b, string op)
    {
        if (a.SequenceEqual(b)) return a.ToArray();
        var rank = Math.Max(a.Length, b.Length);
        var result = new int[rank];
        for (var i = 0; i < rank; i++)
        {
            var da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            var db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException($"{op}: shapes {Format(a)} and {Format(b)} cannot be broadcast together.");
            result[i] = da == 1 ? db : da;
        }
        return result;
    }

    /// <summary>True when <paramref name="from"/> broadcasts to exactly <paramref name="to"/>.</summary>
    public static bool BroadcastsTo(ReadOnlySpan<int> from, ReadOnlySpan<int> to)
    {
        if (from.Length > to.Length) return false;
        var offset = to.Length - from.Length;
        for (var i = 0; i < from.Length; i++)
            if (from[i] != 1 && from[i] != to[i + offset]) return false;
        return true;
    }

    /// <summary>Strides of <paramref name="shape"/> seen inside the broadcast <paramref name="target"/>: 0 where it repeats.</summary>
    public static int[] BroadcastStrides(ReadOnlySpan<int> shape, ReadOnlySpan<int> target)
    {
        var own = Strides(shape);
        var result = new int[target.Length];
        var offset = target.Length - shape.Length;
        for (var i = 0; i < shape.Length; i++)
            result[i + offset] = shape[i] == 1 && target[i + offset] != 1 ? 0 : own[i];
        return result;
    }

    /// <summary>
    /// Turns a possibly negative axis into 0..rank-1, or throws naming the op. A 0-d tensor takes axis 0 and -1,
    /// as in PyTorch (x.sum(-1) of a scalar is the scalar); ops index its shape only when the rank is above 0.
    /// </summary>
    public static int NormalizeAxis(int axis, int rank, string op)
    {
        var wrap = Math.Max(rank, 1);
        var a = axis < 0 ? axis + wrap : axis;
        if (a < 0 || a >= wrap) throw new ArgumentException($"{op}: axis {axis} is out of range for a tensor of rank {rank}.");
        return a;
    }

    /// <summary>Normalised, sorted, distinct axes; null or empty means all axes.</summary>
    public static int[] NormalizeAxes(int[]? axes, int rank, string op)
    {
        if (axes is null || axes.Length == 0) return Enumerable.Range(0, rank).ToArray();
        var result = axes.Select(a => NormalizeAxis(a, rank, op)).Distinct().Order().ToArray();
        if (result.Length != axes.Length) throw new ArgumentException($"{op}: axes [{string.Join(", ", axes)}] repeat an axis.");
        // A 0-d tensor has no axis to reduce: axis 0 or -1 of it names the tensor itself.
        return rank == 0 ? [] : result;
    }

    /// <summary>The shape after reducing <paramref name="axes"/> (sorted, normalised).</summary>
    public static int[] Reduced(ReadOnlySpan<int> shape, int[] axes, bool keepDims)
    {
        var result = new List<int>(shape.Length);
        for (var i = 0; i < shape.Length; i++)
        {
            if (Array.IndexOf(axes, i) < 0) result.Add(shape[i]);
            else if (keepDims) result.Add(1);
        }
        return result.ToArray();
    }
}
