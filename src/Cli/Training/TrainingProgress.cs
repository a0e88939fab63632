using System.Globalization;
using ActorGrad.Cluster.Training;
using Spectre.Console;

namespace ActorGrad.Cli.Training;

/// <summary>
/// Shows a run's steps: on a terminal a Spectre.Console progress bar whose label carries the step's loss, then the
/// loss of every 10th step; when the output is redirected (or is not the console) a plain line per step,
/// `step K/N  loss X  Y ms`, for logs and scripts.
/// </summary>
internal static class TrainingProgress
{
    public static async Task RunAsync(TrainingRun run, int steps, TextWriter output, CancellationToken cancel)
    {
        if (steps == 0) return;
        var first = run.State.Step;
        var last = first + steps;
        if (ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive)
        {
            var losses = new List<TrainingStep>(steps);
            await AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask("training", maxValue: steps);
                    await run.RunAsync(steps, step =>
                    {
                        losses.Add(step);
                        task.Description = $"step {step.Step + 1}/{last}  loss {Format(step.Loss)}";
                        task.Increment(1);
                    }, cancel);
                });
            foreach (var step in losses.Where((s, i) => (s.Step + 1) % 10 == 0 || i == 0 || i == losses.Count - 1))
                await output.WriteLineAsync(Line(step, last));
            return;
        }
        await foreach (var step in run.StepsAsync(steps, cancel)) await output.WriteLineAsync(Line(step, last));
    }

    private static string Line(TrainingStep step, long last) =>
        $"step {step.Step + 1}/{last}  loss {Format(step.Loss)}  {step.Elapsed.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture)} ms";

    private static string Format(float loss) => loss.ToString("F4", CultureInfo.InvariantCulture);
}
