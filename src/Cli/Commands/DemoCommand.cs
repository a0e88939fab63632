using System.CommandLine;
using ActorGrad.Nodes;

namespace ActorGrad.Cli.Commands;

/// <summary>
/// `actorgrad demo`: the main job in-process on an embedded default. A two-layer MLP learns to
/// classify points of three interleaved spirals; each step computes the batched loss gradient over
/// the whole generated dataset through node actors, then takes an SGD step.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var steps = new Option<int>("--steps") { Description = "SGD steps to take.", DefaultValueFactory = _ => 100 };
        var rate = new Option<float>("--learning-rate") { Description = "SGD step size.", DefaultValueFactory = _ => 1.0f };
        var seed = new Option<int>("--seed") { Description = "Seed of the dataset and the initial weights.", DefaultValueFactory = _ => 7 };
        var command = new Command("demo", "Train a small MLP in-process and print the loss as it falls.") { steps, rate, seed };
        command.SetAction(result => Run(Console.Out, result.GetValue(steps), result.GetValue(rate), result.GetValue(seed)));
        return command;
    }

    internal static int Run(TextWriter output, int steps, float learningRate, int seed)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), "--steps must be at least 1.");
        using var session = new Session(new SessionOptions { Seed = seed });
        var (inputs, labels) = Spirals.Generate(pointsPerClass: 100, classes: 3, seed);
        var x = session.Tensor(inputs);
        const int hidden = 64;
        var w1 = (session.RandomNormal(2, hidden) * 0.5f).RequiresGrad();
        var b1 = session.Zeros(hidden).RequiresGrad();
        var w2 = (session.RandomNormal(hidden, 3) * 0.1f).RequiresGrad();
        var b2 = session.Zeros(3).RequiresGrad();
        Var[] parameters = [w1, b1, w2, b2];

        output.WriteLine($"actorgrad demo: 2-{hidden}-3 MLP, {labels.Length} points of 3 spirals, full-batch SGD (lr {learningRate})");
        float first = 0, loss = 0;
        for (var step = 1; step <= steps; step++)
        {
            var logits = (x.MatMul(w1) + b1).Relu().MatMul(w2) + b2;
            var lossVar = Var.CrossEntropy(logits, labels);
            lossVar.Backward();
            loss = lossVar.Item();
            if (step == 1) first = loss;
            foreach (var p in parameters)
            {
                p.Step(learningRate);
                p.ZeroGrad();
            }
            if (step == 1 || step % 10 == 0 || step == steps)
                output.WriteLine($"step {step,4}  loss {loss:F4}  accuracy {Accuracy(logits.Value(), labels):P0}");
        }
        output.WriteLine($"loss fell from {first:F4} to {loss:F4}; live node actors after training: {session.LiveNodeCount} (the {parameters.Length} parameters)");
        return 0;
    }

    private static double Accuracy(Engine.Tensors.Tensor logits, int[] labels)
    {
        var predicted = Engine.Tensors.TensorOps.ArgMax(logits, 1);
        return predicted.Zip(labels).Count(p => p.First == p.Second) / (double)labels.Length;
    }
}
