using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using ActorGrad.Protocol.Tensors;

namespace ActorGrad.Engine.Tensors;

/// <summary>
/// A dense float32 tensor of any rank (0-d scalars included), contiguous and row-major.
/// Ownership is explicit: whoever made a tensor disposes it, which returns large storage to the pool.
/// A tensor may also be deferred (Tensor.Deferred.cs): its values are computed when first read.
/// </summary>
public sealed partial class Tensor : ITensorPayload, IDisposable
{
    private readonly int[] _shape;
    private float[]? _data;

    internal Tensor(int[] shape, float[] data)
    {
        _shape = shape;
        Length = Shapes.ElementCount(shape);
        if (data.Length < Length) throw new ArgumentException($"Storage of {data.Length} floats is too small for shape {Shapes.Format(shape)}.");
        _data = data;
    }

    /// <summary>Tensors of at least this many values take their storage from the pool and give it back on Dispose; smaller ones are the GC's.</summary>
    public const int PooledLength = TensorStorage.PoolThreshold;

    /// <summary>A new tensor whose storage is uninitialised (pooled) or zeroed.</summary>
    internal static Tensor Allocate(int[] shape, bool clear = false) =>
        new(shape, TensorStorage.Rent(Shapes.ElementCount(shape), clear));

    /// <summary>The size of each dimension. Do not modify the array.</summary>
    public int[] Shape => _shape;
    public int Rank => _shape.Length;
    public int Length { get; }
    public bool IsDisposed => (Volatile.Read(ref _state) & DisposedBit) != 0;

    /// <summary>The values, row-major. Writing through the span changes the tensor.</summary>
    public Span<float> Span => Data.AsSpan(0, Length);

    internal float[] Data => _data is { } data && (_state & DisposedBit) == 0 ? data : DataSlow();

    ReadOnlySpan<int> ITensorPayload.Dimensions => _shape;
    ReadOnlySpan<float> ITensorPayload.Values => Span;

    public float[] ToArray() => Span.ToArray();

    /// <summary>The value of a one-element tensor.</summary>
    public float Item()
    {
        if (Length != 1) throw new InvalidOperationException($"Item() needs a tensor with exactly one element; this one has shape {Shapes.Format(_shape)}.");
        return Data[0];
    }

    [IndexerName("At")] // Item() is the scalar read, as in PyTorch.
    public float this[params int[] index]
    {
        get => Data[Offset(index)];
        set => Data[Offset(index)] = value;
    }

    private int Offset(int[] index)
    {
        if (index.Length != Rank) throw new ArgumentException($"An index of rank {index.Length} does not fit a tensor of shape {Shapes.Format(_shape)}.");
        var offset = 0;
        for (var i = 0; i < Rank; i++)
        {
            if ((uint)index[i] >= (uint)_shape[i]) throw new IndexOutOfRangeException($"Index [{string.Join(", ", index)}] is outside shape {Shapes.Format(_shape)}.");
            offset = offset * _shape[i] + index[i];
        }
        return offset;
    }

    public Tensor Clone()
    {
        var copy = Allocate(_shape.AsSpan().ToArray());
        Span.CopyTo(copy.Span);
        return copy;
    }

    public bool ShapeEquals(ReadOnlySpan<int> shape) => _shape.AsSpan().SequenceEqual(shape);


    /// <summary>Prints like PyTorch: <c>tensor([0., 1., 2.])</c>.</summary>
    public override string ToString()
    {
        if (IsDisposed) return "tensor(<disposed>)";
        var sb = new StringBuilder("tensor(");
        var offset = 0;
        Append(sb, 0, ref offset, 7);
        return sb.Append(')').ToString();
    }

    private void Append(StringBuilder sb, int dim, ref int offset, int indent)
    {
        if (dim == Rank)
        {
            sb.Append(FormatValue(Data[offset++]));
            return;
        }
        sb.Append('[');
        for (var i = 0; i < _shape[dim]; i++)
        {
            if (i > 0) sb.Append(dim == Rank - 1 ? ", " : ",\n" + new string(' ', indent + dim + 1));
            Append(sb, dim + 1, ref offset, indent);
        }
        sb.Append(']');
    }

    private static string FormatValue(float v)
    {
        if (float.IsNaN(v)) return "nan";
        if (float.IsInfinity(v)) return v > 0 ? "inf" : "-inf";
        if (v == MathF.Round(v) && MathF.Abs(v) < 1e8f) return v.ToString("0", CultureInfo.InvariantCulture) + ".";
        return v.ToString("0.####", CultureInfo.InvariantCulture);
    }
}
