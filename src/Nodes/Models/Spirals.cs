using ActorGrad.Engine.Tensors;

namespace ActorGrad.Nodes.Models;

/// <summary>The classic spiral dataset: <c>classes</c> arms of points with a little noise, generated from a seed.</summary>
public static class Spirals
{
    public static (Tensor Inputs, int[] Labels) Generate(int pointsPerClass, int classes, int seed)
    {
        var rng = new Random(seed);
        var n = pointsPerClass * classes;
        var inputs = Tensor.Zeros(n, 2);
        var labels = new int[n];
        for (var c = 0; c < classes; c++)
        for (var i = 0; i < pointsPerClass; i++)
        {
            var row = c * pointsPerClass + i;
            var radius = (float)i / pointsPerClass;
            var angle = c * 4f + radius * 4f + (float)(rng.NextDouble() - 0.5) * 0.4f;
            inputs[row, 0] = radius * MathF.Sin(angle);
            inputs[row, 1] = radius * MathF.Cos(angle);
            labels[row] = c;
        }
        return (inputs, labels);
    }

    /// <summary>The labels as one-hot rows [n, classes]: the form a graph spec takes them in (data inputs are float tensors).</summary>
    public static Tensor OneHot(int[] labels, int classes) => TensorOps.OneHot(labels, classes);
}
