using ActorGrad.Cli.Training;

namespace ActorGrad.Cli.Tests;

/// <summary>The CSV datasets of `actorgrad train`: last column the label, the rest features, an optional header; bad rows named by line.</summary>
public sealed class TrainingDataTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("actorgrad-csv-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Csv(string text)
    {
        var path = Path.Combine(_directory, $"{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void A_csv_with_a_header_gives_features_and_one_hot_labels()
    {
        var data = TrainingData.Load(Csv("a,b,label\n0.5,1,0\n-2,3.25,2\n1e-3,0,1\n"), seed: 1);
        Assert.Equal((3, 2, 3), (data.Examples, data.Features, data.Classes));
        Assert.Equal([0.5f, 1f, -2f, 3.25f, 1e-3f, 0f], data.X.ToArray());
        Assert.Equal([0, 2, 1], data.Labels);
        Assert.Equal([1f, 0f, 0f, 0f, 0f, 1f, 0f, 1f, 0f], data.Batch()["y"].ToArray());
    }

    [Theory]
    [InlineData("1,2,0\n3,4,1.5\n", ":2: the label")]
    [InlineData("1,2,0\n3,4\n", ":2: 2 columns where the first row had 3")]
    [InlineData("1,2,0\n3,x,1\n", ":2: not a row of numbers")]
    [InlineData("1,2,0\n3,4,0\n", "at least 2 classes")]
    [InlineData("1,0\n", "at least 2 examples")]
    public void Bad_csv_files_are_refused_naming_the_line(string text, string reason)
    {
        var error = Assert.Throws<ArgumentException>(() => TrainingData.Load(Csv(text), seed: 1));
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void Models_trace_from_the_data_and_a_bad_model_name_is_refused()
    {
        var data = TrainingData.Load(Csv("f1,f2,f3,y\n1,2,3,0\n4,5,6,1\n7,8,9,1\n"), seed: 1);
        var logreg = TrainingModel.Create("logreg", data, hidden: 4, seed: 1);
        Assert.Equal(["w", "b"], logreg.Spec.Parameters.Select(p => p.Name));
        Assert.Equal([3, 2], logreg.Spec.Parameters[0].Shape.ToArray());
        var mlp = TrainingModel.Create("mlp", data, hidden: 4, seed: 1);
        Assert.Equal([4, 2], mlp.Spec.Parameters[2].Shape.ToArray());
        Assert.Contains("--model must be", Assert.Throws<ArgumentException>(() => TrainingModel.Create("resnet", data, 4, 1)).Message);
    }
}
