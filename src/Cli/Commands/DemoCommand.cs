using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using ActorGrad.Cli.Training;
using ActorGrad.Cluster.Gradients;
using ActorGrad.Cluster.Training;
using ActorGrad.Nodes;
using ActorGrad.Nodes.Specs;
using ActorGrad.Protocol.Gradients;

namespace ActorGrad.Cli.Commands;

/// <summary>
/// `actorgrad demo`: the main job on an embedded default. It starts a cluster of 3 worker members inside this process
/// on loopback, joins it as a client, and trains the spirals MLP with each step's batch sharded over the members (the
/// owners take the SGD step). It prints the falling loss, then checks the cluster's batch gradient against the
/// in-process one (SpecRunner on the whole batch) for the same parameters and batch, and stops every member.
/// </summary>
internal static class DemoCommand
{
    public const int Members = 3;

    public static Command Create()
    {
        var steps = new Option<int>("--steps") { Description = "SGD steps to take.", DefaultValueFactory = _ => 100 };
        var rate = new Option<float>("--learning-rate") { Description = "SGD step size.", DefaultValueFactory = _ => 1.0f };
        var seed = new Option<int>("--seed") { Description = "Seed of the dataset and the initial weights.", DefaultValueFactory = _ => 7 };
        var shards = new Option<int>("--shards") { Description = "Shards per batch.", DefaultValueFactory = _ => 6 };
        var command = new Command("demo", $"Train a small MLP on a local cluster of {Members} members and print the loss as it falls.") { steps, rate, seed, shards };
        command.SetAction((result, cancel) => RunAsync(Console.Out, result.GetValue(steps), result.GetValue(rate), result.GetValue(seed), result.GetValue(shards), cancel));
        return command;
    }

    internal static async Task<int> RunAsync(TextWriter output, int steps, float learningRate, int seed, int shards = 6, CancellationToken cancel = default)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), "--steps must be at least 1.");
        var clock = Stopwatch.StartNew();
        var data = TrainingData.Load("spirals", seed);
        var model = TrainingModel.Create("mlp", data, hidden: 64, seed);
        var batches = new MiniBatches(model.Spec, data.Batch());

        await using var cluster = await LocalCluster.StartAsync(Members, cancel);
        await using var client = await GradientClient.JoinAsync(LocalCluster.Options(cluster.Seed), TimeSpan.FromSeconds(30), cancel);
        await client.WaitForWorkersAsync(Members, TimeSpan.FromSeconds(30), cancel);
        await output.WriteLineAsync($"actorgrad demo: {model.Description}, {data.Description}, full-batch SGD (lr {Format(learningRate)}) " +
            $"on a local cluster of {Members} members (127.0.0.1, ports from {cluster.Seed}), the batch in {shards} shards; up in {clock.Elapsed.TotalSeconds:0.0} s");

        var run = TrainingRun.Start(client, model.Spec, model.Parameters, batches, OptimizerSettings.Sgd(learningRate), shards);
        run.StepTimeout = TimeSpan.FromSeconds(60);
        float first = 0, loss = 0;
        var members = 0;
        await foreach (var step in run.StepsAsync(steps, cancel))
        {
            loss = step.Loss;
            members = Math.Max(members, step.Members);
            if (step.Step == 0) first = loss;
            var n = step.Step + 1;
            if (n == 1 || n % 10 == 0 || n == steps) await output.WriteLineAsync($"step {n,4}  loss {Format(loss)}");
        }
        await output.WriteLineAsync($"loss fell from {Format(first)} to {Format(loss)} in {steps} steps on {members} members");

        // The cluster's batch gradient at the final parameters against the in-process one on the whole batch.
        var parameters = run.State.ParameterMap();
        var job = new GradientJob(model.Spec, parameters, data.Batch(), shards) { Timeout = TimeSpan.FromSeconds(60) };
        var distributed = await client.ComputeAsync(job).WaitAsync(cancel);
        SpecResult local;
        using (var session = new Session()) local = SpecRunner.Run(session, model.Spec, parameters, data.Batch());
        var difference = 0f;
        for (var i = 0; i < local.Gradients.Length; i++)
        {
            var a = distributed.Gradients[i].Span;
            var b = local.Gradients[i].Span;
            for (var k = 0; k < a.Length; k++) difference = MathF.Max(difference, MathF.Abs(a[k] - b[k]));
        }
        await output.WriteLineAsync($"gradient check: members {distributed.Members}, shards {shards}, max abs difference to in-process {difference.ToString("G3", CultureInfo.InvariantCulture)}");
        await output.WriteLineAsync($"parameters sha256 {run.State.ParametersSha256()}");
        return 0;
    }

    private static string Format(float value) => value.ToString("F4", CultureInfo.InvariantCulture);
}
