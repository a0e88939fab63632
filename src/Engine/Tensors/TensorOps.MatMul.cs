using System.Numerics.Tensors;

namespace ActorGrad.Engine.Tensors;

public static partial class TensorOps
{
    /// <summary>Inner product of two vectors of equal length: a 0-d tensor.</summary>
    public static Tensor Dot(Tensor a, Tensor b)
    {
        if (a.Rank != 1 || b.Rank != 1 || a.Length != b.Length)
            throw new ArgumentException($"{nameof(Dot)}: expects two 1-D tensors of equal length, got {Shapes.Format(a.Shape)} and {Shapes.Format(b.Shape)}.");
        return Tensor.Scalar(TensorPrimitives.Dot(a.Span, b.Span));
    }

    /// <summary>Outer product of two vectors: shape [a.Length, b.Length].</summary>
    public static Tensor Outer(Tensor a, Tensor b)
    {
        if (a.Rank != 1 || b.Rank != 1)
            throw new ArgumentException($"{nameof(Outer)}: expects two 1-D tensors, got {Shapes.Format(a.Shape)} and {Shapes.Format(b.Shape)}.");
        var result = Tensor.Allocate([a.Length, b.Length]);
        for (var i = 0; i < a.Length; i++) TensorPrimitives.Multiply(b.Span, a.Data[i], result.Data.AsSpan(i * b.Length, b.Length));
        return result;
    }

    /// <summary>
    /// Matrix product as torch.matmul: vector-vector (dot), matrix-vector, vector-matrix, 2-D, and
    /// batched 3-D (a batch of one, or a 2-D operand, broadcasts). transA/transB transpose the last
    /// two axes of a matrix operand before multiplying.
    /// </summary>
    public static Tensor MatMul(Tensor a, Tensor b, bool transA = false, bool transB = false)
    {
        if (a.Rank == 0 || b.Rank == 0 || a.Rank > 3 || b.Rank > 3) throw MatMulError(a, b, transA, transB);
        if (a.Rank == 1 && b.Rank == 1) return Dot(a, b);

        var (batchA, m, ka) = MatrixView(a, transA, isLeft: true);
        var (batchB, kb, n) = MatrixView(b, transB, isLeft: false);
        if (ka != kb || (batchA != batchB && batchA != 1 && batchB != 1)) throw MatMulError(a, b, transA, transB);
        var batch = Math.Max(batchA, batchB);

        var shape = new List<int>();
        if (a.Rank == 3 || b.Rank == 3) shape.Add(batch);
        if (a.Rank >= 2) shape.Add(m);
        if (b.Rank >= 2) shape.Add(n);
        var result = Tensor.Allocate(shape.ToArray());
        var aStride = batchA == 1 ? 0 : m * ka;
        var bStride = batchB == 1 ? 0 : ka * n;
        for (var i = 0; i < batch; i++)
        {
            Gemm.Multiply(m, n, ka,
                a.Data.AsSpan(i * aStride, m * ka), transA && a.Rank >= 2,
                b.Data.AsSpan(i * bStride, ka * n), transB && b.Rank >= 2,
                result.Data.AsSpan(i * m * n, m * n));
        }
        return result;
    }

    /// <summary>(batch, rows, cols) of an operand after its transpose flag; a vector is a row (left) or a column (right).</summary>
    private static (int Batch, int Rows, int Cols) MatrixView(Tensor t, bool trans, bool isLeft)
    {
        if (t.Rank == 1) return isLeft ? (1, 1, t.Length) : (1, t.Length, 1);
        var batch = t.Rank == 3 ? t.Shape[0] : 1;
        int rows = t.Shape[^2], cols = t.Shape[^1];
        return trans ? (batch, cols, rows) : (batch, rows, cols);
    }

    private static ArgumentException MatMulError(Tensor a, Tensor b, bool transA, bool transB) =>
        new($"{nameof(MatMul)}: shapes {Shapes.Format(a.Shape)}{(transA ? "ᵀ" : "")} and {Shapes.Format(b.Shape)}{(transB ? "ᵀ" : "")} cannot be multiplied.");
}
