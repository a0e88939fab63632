namespace ActorGrad.Engine.Tensors;

/// <summary>Creation functions.</summary>
public sealed partial class Tensor
{
    public static Tensor Zeros(params int[] shape) => Allocate(CopyShape(shape), clear: true);

    public static Tensor Ones(params int[] shape) => Full(1f, shape);

    public static Tensor Full(float value, params int[] shape)
    {
        var t = Allocate(CopyShape(shape));
        t.Span.Fill(value);
        return t;
    }

    public static Tensor Scalar(float value)
    {
        var t = Allocate([]);
        t.Data[0] = value;
        return t;
    }

    public static Tensor Arange(int n) => Arange(0, n);

    public static Tensor Arange(float start, float stop, float step = 1)
    {
        if (step == 0 || float.IsNaN(step)) throw new ArgumentException("Arange: step must be a non-zero number.");
        var count = Math.Max(0, (int)MathF.Ceiling((stop - start) / step));
        var t = Allocate([count]);
        var span = t.Span;
        for (var i = 0; i < count; i++) span[i] = start + i * step;
        return t;
    }

    /// <summary>A tensor holding a copy of <paramref name="data"/>; a shape is optional for 1-D data.</summary>
    public static Tensor FromArray(float[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        var s = shape.Length == 0 ? [data.Length] : CopyShape(shape);
        if (Shapes.ElementCount(s) != data.Length)
            throw new ArgumentException($"FromArray: {data.Length} values do not fill shape {Shapes.Format(s)}.");
        var t = Allocate(s);
        data.CopyTo(t.Span);
        return t;
    }

    /// <summary>A tensor that takes over <paramref name="values"/> (no copy): the caller must not keep or reuse the array.</summary>
    internal static Tensor Adopt(float[] values, int[] shape)
    {
        if (Shapes.ElementCount(shape) != values.Length)
            throw new ArgumentException($"Adopt: {values.Length} values do not fill shape {Shapes.Format(shape)}.");
        return new Tensor(shape, values);
    }

    /// <summary>
    /// The tensor a message carries: the tensor itself when it is one (in process), the decoded values array
    /// adopted without a copy when it came over the wire, else a copy.
    /// </summary>
    public static Tensor From(Protocol.Tensors.ITensorPayload payload)
    {
        if (payload is Tensor t) return t;
        if (payload is Protocol.Tensors.WireTensor wire && wire.TryTakeValues(out var values))
            return Adopt(values, wire.Dimensions.ToArray());
        var copy = Allocate(payload.Dimensions.ToArray());
        payload.Values.CopyTo(copy.Span);
        return copy;
    }

    public static Tensor RandomNormal(int seed, params int[] shape) => RandomNormal(new Random(seed), 0f, 1f, shape);

    public static Tensor RandomNormal(Random rng, float mean, float std, params int[] shape)
    {
        var t = Allocate(CopyShape(shape));
        var span = t.Span;
        for (var i = 0; i < span.Length; i += 2)
        {
            // Box-Muller: two independent normals per pair of uniforms.
            var u1 = 1.0 - rng.NextDouble();
            var u2 = rng.NextDouble();
            var r = Math.Sqrt(-2.0 * Math.Log(u1));
            span[i] = (float)(mean + std * r * Math.Cos(2 * Math.PI * u2));
            if (i + 1 < span.Length) span[i + 1] = (float)(mean + std * r * Math.Sin(2 * Math.PI * u2));
        }
        return t;
    }

    public static Tensor RandomUniform(int seed, params int[] shape) => RandomUniform(new Random(seed), 0f, 1f, shape);

    public static Tensor RandomUniform(Random rng, float low, float high, params int[] shape)
    {
        if (!(high >= low)) throw new ArgumentException($"RandomUniform: high ({high}) must not be below low ({low}).");
        var t = Allocate(CopyShape(shape));
        var span = t.Span;
        for (var i = 0; i < span.Length; i++) span[i] = (float)(low + (high - low) * rng.NextDouble());
        return t;
    }

    /// <summary>A reshaped copy (see <see cref="TensorOps.Reshape"/>); this tensor is left as it is.</summary>
    public Tensor Reshaped(params int[] shape) => TensorOps.Reshape(this, shape);

    private static int[] CopyShape(int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        Shapes.ElementCount(shape);
        return shape.AsSpan().ToArray();
    }
}
