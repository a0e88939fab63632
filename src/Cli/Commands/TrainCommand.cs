using System.CommandLine;
using System.Globalization;
using ActorGrad.Cli.Training;
using ActorGrad.Cluster;
using ActorGrad.Cluster.Gradients;
using ActorGrad.Cluster.Training;
using ActorGrad.Protocol.Gradients;
using Microsoft.Extensions.Configuration;
using Spectre.Console;

namespace ActorGrad.Cli.Commands;

/// <summary>
/// `actorgrad train`: joins a cluster as a client member (role client: no shards, no owners) and trains a model on
/// its workers, each step a distributed batch gradient with the optimizer's step at the parameter owners. A progress
/// bar on a terminal, a line per step when the output is redirected, and at the end
/// `parameters sha256 HEX` over the final parameters' float32 bytes in order. Exit codes: 0 done, 1 the run failed
/// (a member's error, no worker, a time bound), 2 bad arguments (one line says why). Member settings beyond the seeds
/// (TLS files, clocks) come from ACTORGRAD_Node__... environment variables, as for `actorgrad node`.
/// </summary>
internal static class TrainCommand
{
    public const int Failed = 1;
    public const int BadArguments = 2;

    internal sealed record Arguments(
        string[] Seeds, string Model, string Data, int Steps, int Shards, int? Batch, string Optimizer, float LearningRate, float Momentum,
        string? Checkpoint, string? Resume, int Hidden, int InitSeed, int Workers);

    public static Command Create()
    {
        var seeds = new Option<string[]>("--seed") { Description = "HOST:PORT of a cluster member to join through; repeat for several.", Required = true };
        var model = new Option<string>("--model") { Description = "mlp, logreg or FILE.spec (a spec on our wire; data inputs x and y).", DefaultValueFactory = _ => "mlp" };
        var data = new Option<string>("--data") { Description = "spirals, or FILE.csv: one example a line, the last column the class label 0..C-1, the rest features; an optional header line.", DefaultValueFactory = _ => "spirals" };
        var steps = new Option<int>("--steps") { Description = "Optimizer steps to take.", DefaultValueFactory = _ => 100 };
        var shards = new Option<int>("--shards") { Description = "Shards per batch (fixed by the run, not by the members: it fixes the bits).", DefaultValueFactory = _ => 6 };
        var batch = new Option<int?>("--batch") { Description = "Examples per step (windows of the dataset, shuffled every epoch with the --init-seed; kept in a checkpoint); default: the whole dataset." };
        var optimizer = new Option<string>("--optimizer") { Description = "sgd or adam (PyTorch's update formulas).", DefaultValueFactory = _ => "sgd" };
        var rate = new Option<float>("--lr") { Description = "Learning rate.", DefaultValueFactory = _ => 0.5f };
        var momentum = new Option<float>("--momentum") { Description = "SGD momentum (dampening 0).", DefaultValueFactory = _ => 0f };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "Write the run's state (parameters, optimizer state, step) to FILE at the end." };
        var resume = new Option<string?>("--resume") { Description = "Continue the run a checkpoint FILE holds (its optimizer and step; --steps more steps)." };
        var hidden = new Option<int>("--hidden") { Description = "Hidden units of the mlp.", DefaultValueFactory = _ => 64 };
        var initSeed = new Option<int>("--init-seed") { Description = "Seed of the spirals, of the initial parameters and of the mini-batches' shuffle.", DefaultValueFactory = _ => 7 };
        var workers = new Option<int>("--workers") { Description = "Wait until this many worker members are Up before the first step.", DefaultValueFactory = _ => 1 };
        var command = new Command("train", "Train a model on a cluster's worker members, joining it as a client.")
        {
            seeds, model, data, steps, shards, batch, optimizer, rate, momentum, checkpoint, resume, hidden, initSeed, workers,
        };
        command.SetAction((result, cancel) => RunAsync(new Arguments(
            result.GetValue(seeds) ?? [], result.GetValue(model)!, result.GetValue(data)!, result.GetValue(steps), result.GetValue(shards),
            result.GetValue(batch), result.GetValue(optimizer)!, result.GetValue(rate), result.GetValue(momentum), result.GetValue(checkpoint),
            result.GetValue(resume), result.GetValue(hidden), result.GetValue(initSeed), result.GetValue(workers)), Console.Out, Console.Error, cancel));
        return command;
    }

    internal static async Task<int> RunAsync(Arguments a, TextWriter output, TextWriter error, CancellationToken cancel)
    {
        TrainingData data;
        TrainingModel model;
        OptimizerSettings settings;
        MiniBatches batches;
        TrainingState? resumed = null;
        ClusterMemberOptions member;
        try
        {
            if (a.Steps < 0) throw new ArgumentException($"--steps must be 0 or more, not {a.Steps}.");
            if (a.Workers < 1) throw new ArgumentException($"--workers must be at least 1, not {a.Workers}.");
            settings = a.Optimizer switch
            {
                "sgd" => OptimizerSettings.Sgd(a.LearningRate, a.Momentum),
                "adam" when a.Momentum != 0f => throw new ArgumentException("--momentum is SGD's; Adam's moments use betas 0.9 and 0.999."),
                "adam" => OptimizerSettings.Adam(a.LearningRate),
                _ => throw new ArgumentException($"--optimizer must be sgd or adam, not '{a.Optimizer}'."),
            };
            data = TrainingData.Load(a.Data, a.InitSeed);
            model = TrainingModel.Create(a.Model, data, a.Hidden, a.InitSeed);
            batches = new MiniBatches(model.Spec, data.Batch(), a.Batch, shuffleSeed: a.InitSeed);
            if (a.Shards < 1 || a.Shards > batches.BatchSize)
                throw new ArgumentException($"--shards must be 1 to {batches.BatchSize} (the batch's examples), not {a.Shards}.");
            if (a.Resume is not null)
            {
                if (!File.Exists(a.Resume)) throw new ArgumentException($"--resume: the file '{a.Resume}' does not exist.");
                resumed = TrainingCheckpoint.Read(a.Resume);
                if (resumed.Optimizer.Kind != settings.Kind)
                    throw new ArgumentException($"--resume: the checkpoint's run uses {resumed.Optimizer.Kind}, not {settings.Kind} (--optimizer).");
            }
            member = ClientOptions(a.Seeds);
            member.Validate();
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidDataException or FileNotFoundException or InvalidOperationException)
        {
            await error.WriteLineAsync($"actorgrad train: {e.Message}");
            return BadArguments;
        }

        try
        {
            await using var client = await GradientClient.JoinAsync(member, TimeSpan.FromSeconds(30), cancel);
            var seen = await client.WaitForWorkersAsync(a.Workers, TimeSpan.FromSeconds(60), cancel);
            TrainingRun run;
            try
            {
                run = resumed is null
                    ? TrainingRun.Start(client, model.Spec, model.Parameters, batches, settings, a.Shards)
                    : TrainingRun.Resume(client, model.Spec, resumed, batches, a.Shards);
            }
            catch (ArgumentException e)
            {
                await error.WriteLineAsync($"actorgrad train: --resume: {e.Message}");
                return BadArguments;
            }
            var optimizerText = settings.Kind == OptimizerKind.Sgd
                ? $"SGD lr {settings.LearningRate.ToString(CultureInfo.InvariantCulture)}" + (settings.Momentum != 0f ? $" momentum {settings.Momentum.ToString(CultureInfo.InvariantCulture)}" : "")
                : $"Adam lr {settings.LearningRate.ToString(CultureInfo.InvariantCulture)}";
            await output.WriteLineAsync($"actorgrad train: {model.Description} on {data.Description}, batch {batches.BatchSize} in {a.Shards} shards, {optimizerText}, " +
                $"{seen}+ worker(s){(resumed is null ? "" : $", resumed at step {resumed.Step}")}");
            await TrainingProgress.RunAsync(run, a.Steps, output, cancel);
            if (a.Checkpoint is not null)
            {
                run.SaveCheckpoint(a.Checkpoint);
                await output.WriteLineAsync($"checkpoint at step {run.State.Step}: {a.Checkpoint}");
            }
            await output.WriteLineAsync($"parameters sha256 {run.State.ParametersSha256()}");
            return 0;
        }
        catch (Exception e) when (e is GradientJobException or TimeoutException or ActorGrad.Nodes.Specs.SpecRejectedException or ArgumentException)
        {
            await error.WriteLineAsync($"actorgrad train: {e.Message}");
            return Failed;
        }
    }

    /// <summary>A client member on a free port, with ACTORGRAD_Node__ settings (TLS, clocks) and the given seeds.</summary>
    private static ClusterMemberOptions ClientOptions(string[] seeds)
    {
        if (seeds.Length == 0) throw new ArgumentException("--seed HOST:PORT is required: a member of the cluster to join through.");
        var overrides = new Dictionary<string, string?> { [$"{ClusterMemberOptions.Section}:{nameof(ClusterMemberOptions.Port)}"] = "0" };
        for (var i = 0; i < seeds.Length; i++) overrides[$"{ClusterMemberOptions.Section}:{nameof(ClusterMemberOptions.Seeds)}:{i}"] = seeds[i];
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables("ACTORGRAD_").AddInMemoryCollection(overrides).Build();
        var options = NodeCommand.Bind(configuration);
        options.Seeds = [.. seeds]; // the command line's seeds, not any from the environment
        options.Roles = [GradientRoles.Client];
        return options;
    }
}
