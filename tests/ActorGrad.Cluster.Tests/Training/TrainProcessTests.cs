using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit.Abstractions;
using static ActorGrad.Cluster.Tests.ClusterTestSettings;

namespace ActorGrad.Cluster.Tests.Training;

/// <summary>`actorgrad train` as a process against real `actorgrad node` processes: the same final parameters on 2 and 3 nodes and through a checkpoint.</summary>
public sealed partial class TrainProcessTests(ITestOutputHelper output) : ClusterTest(output)
{
    [GeneratedRegex("^parameters sha256 ([0-9a-f]{64})$", RegexOptions.Multiline)]
    private static partial Regex ShaLine();

    [Fact]
    public async Task Train_prints_the_same_parameters_sha256_on_2_and_3_node_processes_and_after_a_checkpoint_and_resume()
    {
        var a = await StartNode("a");
        await StartNode("b", a);
        string[] common = ["--seed", a.HostPort, "--model", "mlp", "--hidden", "16", "--data", "spirals", "--shards", "6", "--batch", "150",
            "--optimizer", "sgd", "--lr", "0.5", "--momentum", "0.9"];

        var two = await Train([.. common, "--steps", "6", "--workers", "2"]);
        var directory = Directory.CreateTempSubdirectory("actorgrad-train-cli-").FullName;
        try
        {
            var checkpoint = Path.Combine(directory, "run.ckpt");
            var firstHalf = await Train([.. common, "--steps", "2", "--workers", "2", "--checkpoint", checkpoint]);
            await StartNode("c", a);
            var three = await Train([.. common, "--steps", "6", "--workers", "3"]);
            var resumed = await Train([.. common, "--steps", "4", "--workers", "3", "--resume", checkpoint]);

            Assert.Equal(Sha(two), Sha(three));
            Assert.Equal(Sha(two), Sha(resumed));
            Assert.NotEqual(Sha(two), Sha(firstHalf));
            Assert.Matches(@"step 6/6  loss \d+\.\d{4}", two);
            Assert.Matches(@"step 6/6  loss \d+\.\d{4}", resumed); // steps 3..6 after the checkpoint at 2
            Output.WriteLine($"2 nodes: parameters sha256 {Sha(two)}\n3 nodes: parameters sha256 {Sha(three)}\nresumed: parameters sha256 {Sha(resumed)}");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Bad_arguments_exit_2_with_one_line_before_joining_anything()
    {
        foreach (var args in new[]
                 {
                     new[] { "--seed", "127.0.0.1:1", "--optimizer", "rmsprop" },
                     ["--seed", "127.0.0.1:1", "--steps", "many"],
                     ["--seed", "127.0.0.1:1", "--data", "no-such.csv"],
                     ["--seed", "127.0.0.1:1", "--shards", "0"],
                     ["--seed", "not-a-host-port"],
                     ["--seed", "127.0.0.1:1", "--resume", "no-such.ckpt"],
                 })
        {
            var (code, stdout, stderr) = await RunCli(["train", .. args]);
            Assert.True(code == 2, $"{string.Join(' ', args)}: exit {code}\n{stdout}\n{stderr}");
            var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("actorgrad train: ", line);
        }
    }

    private static string Sha(string stdout) => ShaLine().Match(stdout) is { Success: true } m ? m.Groups[1].Value : throw new Xunit.Sdk.XunitException($"No sha256 line in:\n{stdout}");

    private async Task<string> Train(string[] args)
    {
        var (code, stdout, stderr) = await RunCli(["train", .. args]);
        Output.WriteLine(stdout);
        Assert.True(code == 0, $"actorgrad train exited {code}:\n{stdout}\n{stderr}");
        return stdout;
    }

    /// <summary>Runs the built `actorgrad` with the test clocks and waits for it (bounded); its output redirected, so plain lines.</summary>
    private static async Task<(int Code, string Stdout, string Stderr)> RunCli(string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Path.GetTempPath() };
        info.ArgumentList.Add(NodeProcess.CliAssembly);
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var (k, v) in FastClocks) info.Environment[$"ACTORGRAD_Node__{k}"] = v.ToString("c");
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try { await process.WaitForExitAsync().WaitAsync(Bound * 3); }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"actorgrad {string.Join(' ', args)} did not exit within {(Bound * 3).TotalSeconds:0} s.");
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
