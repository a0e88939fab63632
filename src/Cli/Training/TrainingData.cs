using System.Globalization;
using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes.Models;

namespace ActorGrad.Cli.Training;

/// <summary>
/// A classification dataset: features x [n, F] and one-hot labels y [n, C] (the data inputs every model of
/// `actorgrad train` reads). `spirals` is the demo's three spirals (100 points each); a CSV file has one example per
/// line, the last column the class label (an integer 0..C-1), the others the features; a first line that is not
/// numbers is a header and skipped. C is the largest label + 1.
/// </summary>
internal sealed record TrainingData(Tensor X, int[] Labels, int Classes, string Description)
{
    public int Examples => Labels.Length;
    public int Features => X.Shape[1];

    public Dictionary<string, Tensor> Batch() =>
        new(StringComparer.Ordinal) { ["x"] = X, ["y"] = TensorOps.OneHot(Labels, Classes) };

    /// <summary>`spirals` or a CSV file; an ArgumentException with a one-line reason otherwise.</summary>
    public static TrainingData Load(string source, int seed)
    {
        if (source == "spirals")
        {
            var (inputs, labels) = Spirals.Generate(pointsPerClass: 100, classes: SpiralsMlp.Classes, seed);
            return new TrainingData(inputs, labels, SpiralsMlp.Classes, $"{labels.Length} points of {SpiralsMlp.Classes} spirals");
        }
        if (!source.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"--data must be 'spirals' or a .csv file, not '{source}'.");
        if (!File.Exists(source)) throw new ArgumentException($"--data: the file '{source}' does not exist.");
        return ReadCsv(source);
    }

    private static TrainingData ReadCsv(string path)
    {
        var features = new List<float>();
        var labels = new List<int>();
        var width = -1;
        var lineNumber = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0) continue;
            var cells = line.Split(',');
            var numbers = new float[cells.Length];
            var numeric = true;
            for (var i = 0; i < cells.Length && numeric; i++)
                numeric = float.TryParse(cells[i].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out numbers[i]);
            if (!numeric)
            {
                if (labels.Count == 0 && width < 0) { width = -2; continue; } // a header
                throw new ArgumentException($"{path}:{lineNumber}: not a row of numbers: '{Short(line)}'.");
            }
            if (cells.Length < 2) throw new ArgumentException($"{path}:{lineNumber}: a row needs at least one feature and the label.");
            if (width >= 0 && cells.Length != width) throw new ArgumentException($"{path}:{lineNumber}: {cells.Length} columns where the first row had {width}.");
            width = cells.Length;
            var label = numbers[^1];
            if (label < 0 || label != MathF.Floor(label) || label > 1_000_000)
                throw new ArgumentException($"{path}:{lineNumber}: the label (last column) must be a class number 0, 1, 2, ..., not {cells[^1].Trim()}.");
            if (numbers[..^1].Any(v => !float.IsFinite(v))) throw new ArgumentException($"{path}:{lineNumber}: a feature is not finite.");
            features.AddRange(numbers[..^1]);
            labels.Add((int)label);
        }
        if (labels.Count < 2) throw new ArgumentException($"{path}: at least 2 examples are needed, found {labels.Count}.");
        var classes = labels.Max() + 1;
        if (classes < 2) throw new ArgumentException($"{path}: every label is 0; a classifier needs at least 2 classes.");
        var f = width - 1;
        return new TrainingData(Tensor.FromArray([.. features], labels.Count, f), [.. labels], classes, $"{labels.Count} examples of {Path.GetFileName(path)} ({f} features, {classes} classes)");
    }

    private static string Short(string s) => s.Length > 40 ? s[..40] + "..." : s;
}
