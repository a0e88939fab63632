using System.Text.RegularExpressions;

namespace ActorGrad.Deploy.Tests;

/// <summary>deploy/local-cluster.sh as an operator runs it: 3 members with TLS, a short training run, stop.</summary>
public class LocalClusterScriptTests
{
    private static readonly string Script = Path.Combine(Repo.Root, "deploy", "local-cluster.sh");

    [Fact]
    public async Task ThreeMembersComeUpTrainAndStopLeavingNoProcess()
    {
        var state = Directory.CreateTempSubdirectory("actorgrad-local-cluster-").FullName;
        var basePort = FreePorts.Range(6);
        var environment = new Dictionary<string, string?> { ["ACTORGRAD_CLI"] = Repo.CliAssembly };
        var pids = new List<int>();
        try
        {
            var (started, startOutput) = await ChildProcess.RunAsync("bash",
                [Script, "3", "--base-port", basePort.ToString(), "--state", state, "--timeout", ((int)Repo.Bound(60).TotalSeconds).ToString()],
                Repo.Bound(120), environment: environment);
            Assert.True(started == 0, startOutput);
            Assert.Contains("3 member(s) Up", startOutput);
            Assert.Contains("(mutual TLS)", startOutput);
            Assert.Contains("deploy/local-cluster.sh stop", startOutput);
            pids.AddRange(File.ReadAllLines(Path.Combine(state, "members.pid")).Select(l => int.Parse(l.Split(' ')[0])));
            Assert.Equal(3, pids.Count);

            var (trained, trainOutput) = await ChildProcess.RunAsync("bash",
                [Script, "train", "--state", state, "--steps", "3", "--hidden", "16", "--shards", "3"], Repo.Bound(120), environment: environment);
            Assert.True(trained == 0, trainOutput);
            Assert.Matches(new Regex(@"step 3/3  loss \d"), trainOutput);
            Assert.Matches(new Regex(@"^parameters sha256 [0-9a-f]{64}$", RegexOptions.Multiline), trainOutput);
            Assert.Contains("3+ worker(s)", trainOutput);
        }
        finally
        {
            var (stopped, stopOutput) = await ChildProcess.RunAsync("bash", [Script, "stop", "--state", state], Repo.Bound(60), environment: environment);
            foreach (var pid in pids) Assert.False(IsRunning(pid), $"member {pid} still runs after stop: {stopOutput}");
            Assert.True(stopped == 0, stopOutput);
            Directory.Delete(state, recursive: true);
        }
    }

    [Fact]
    public async Task BadArgumentsAreRefusedWithAReason()
    {
        var state = Directory.CreateTempSubdirectory("actorgrad-local-cluster-").FullName;
        try
        {
            var (code, output) = await ChildProcess.RunAsync("bash", [Script, "many", "--state", state], Repo.Bound(30));
            Assert.NotEqual(0, code);
            Assert.Contains("N must be a positive number of members, not 'many'", output);
            (code, output) = await ChildProcess.RunAsync("bash", [Script, "train", "--state", state], Repo.Bound(30));
            Assert.NotEqual(0, code);
            Assert.Contains("no running cluster recorded", output);
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var p = System.Diagnostics.Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
