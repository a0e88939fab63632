using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace ActorGrad.Cluster.Tests;

/// <summary>
/// A real `actorgrad node` process (the built src/Cli), its stdout and stderr captured line by line
/// so a test can wait for a log line. Disposal kills it if it still runs.
/// </summary>
internal sealed partial class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _changed = new(0);

    private NodeProcess(Process process) => _process = process;

    public string Name { get; private init; } = "";
    public string Host { get; private set; } = "127.0.0.1";
    public int Port { get; private set; }
    public long Uid { get; private set; }
    /// <summary>The member's Akka address, akka.tcp://actorgrad@127.0.0.1:PORT (or akka.ssl.tcp://...).</summary>
    public string Address { get; private set; } = "";
    public string HostPort => $"{Host}:{Port}";
    /// <summary>How the membership log names this incarnation: address#uid.</summary>
    public string Incarnation => $"{Address}#{Uid}";
    public bool HasExited => _process.HasExited;
    public int ProcessId => _process.Id;
    public int ExitCode => _process.ExitCode;

    /// <summary>
    /// Starts `actorgrad node` with these arguments and the test clocks (<paramref name="clocks"/>, default
    /// <see cref="ClusterTestSettings.FastClocks"/>), in the network namespace <paramref name="netns"/> if given (through
    /// `ip netns exec`, which execs the node: the process is the node's); with <paramref name="waitUntilListening"/>,
    /// returns once it logged its address and uid.
    /// </summary>
    public static async Task<NodeProcess> StartAsync(string name, IEnumerable<string> args, bool waitUntilListening = true,
        IReadOnlyDictionary<string, TimeSpan>? clocks = null, string? netns = null)
    {
        var info = new ProcessStartInfo(netns is null ? "dotnet" : "ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        if (netns is not null)
            foreach (var a in (string[])["netns", "exec", netns, "dotnet"]) info.ArgumentList.Add(a);
        info.ArgumentList.Add(CliAssembly);
        info.ArgumentList.Add("node");
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var (k, v) in clocks ?? ClusterTestSettings.FastClocks) info.Environment[$"ACTORGRAD_Node__{k}"] = v.ToString("c");
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var node = new NodeProcess(process) { Name = name };
        process.OutputDataReceived += (_, e) => node.Add(e.Data);
        process.ErrorDataReceived += (_, e) => node.Add(e.Data);
        process.Exited += (_, _) => node._changed.Release();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (waitUntilListening)
        {
            var line = await node.WaitForLineAsync(l => ListeningLine().IsMatch(l), "it listens");
            var m = ListeningLine().Match(line);
            node.Host = m.Groups[1].Value;
            node.Port = int.Parse(m.Groups[2].Value);
            node.Uid = long.Parse(m.Groups[3].Value);
            node.Address = m.Groups[4].Value;
        }
        return node;
    }

    [GeneratedRegex(@"Listening on ([0-9.]+):(\d+) uid=(-?\d+) as (\S+);")]
    private static partial Regex ListeningLine();

    private void Add(string? line)
    {
        if (line is null) return;
        lock (_gate) _lines.Add(line);
        _changed.Release();
    }

    public IReadOnlyList<string> Lines { get { lock (_gate) return _lines.ToList(); } }

    /// <summary>The first line (from the start of the output) that matches; fails with the output's tail after the bound.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> predicate, string what, TimeSpan? max = null)
    {
        var bound = max ?? ClusterTestSettings.Bound;
        using var cts = new CancellationTokenSource(bound);
        while (true)
        {
            if (Lines.FirstOrDefault(predicate) is { } found) return found;
            if (_process.HasExited)
            {
                // Exited: the output is complete once the process object says so.
                await _process.WaitForExitAsync(CancellationToken.None);
                if (Lines.FirstOrDefault(predicate) is { } late) return late;
                throw new InvalidOperationException($"Node {Name} exited (code {_process.ExitCode}) before {what}. Output:\n{Tail()}");
            }
            try { await _changed.WaitAsync(cts.Token); }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Node {Name}: no line within {bound.TotalSeconds:0} s showing {what}. Output:\n{Tail()}");
            }
        }
    }

    /// <summary>Waits for the process to end by itself (bounded) and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan? max = null)
    {
        using var cts = new CancellationTokenSource(max ?? ClusterTestSettings.Bound);
        try { await _process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { throw new TimeoutException($"Node {Name} did not exit. Output:\n{Tail()}"); }
        return _process.ExitCode;
    }

    private string Tail() => string.Join('\n', Lines.TakeLast(60));

    /// <summary>kill -9: the process gets no chance to leave the cluster.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>kill -9 now, without waiting for the exit (for a kill from a callback that must not block).</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    /// <summary>SIGTERM, as a service manager stops a node; waits for it to exit.</summary>
    public async Task<int> TerminateAsync()
    {
        Signal(Sigterm, "SIGTERM");
        return await WaitForExitAsync();
    }

    /// <summary>SIGSTOP: the process freezes (no heartbeats) without its sockets closing, as in a long GC pause or a partition.</summary>
    public void Freeze() => Signal(Sigstop, "SIGSTOP");

    /// <summary>SIGCONT: a frozen process runs again.</summary>
    public void Thaw() => Signal(Sigcont, "SIGCONT");

    private void Signal(int signal, string name)
    {
        if (Kill(_process.Id, signal) != 0) throw new InvalidOperationException($"kill({name}) failed for node {Name}: errno {Marshal.GetLastPInvokeError()}");
    }

    private const int Sigterm = 15;
    private const int Sigstop = 19;
    private const int Sigcont = 18;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited) await KillAsync();
        }
        catch (InvalidOperationException) { /* never started or already gone */ }
        _process.Dispose();
    }

    public override string ToString() => $"{Name} ({Incarnation})";

    /// <summary>The built `actorgrad` command: src/Cli/bin/{configuration}/net10.0/actorgrad.dll of this checkout.</summary>
    public static string CliAssembly { get; } = FindCli();

    private static string FindCli()
    {
        var testDir = AppContext.BaseDirectory;
        var root = new DirectoryInfo(testDir);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "ActorGrad.sln"))) root = root.Parent;
        if (root is null) throw new InvalidOperationException($"No ActorGrad.sln above {testDir}.");
        var configuration = testDir.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}") ? "Debug" : "Release";
        var dll = Path.Combine(root.FullName, "src", "Cli", "bin", configuration, "net10.0", "actorgrad.dll");
        if (!File.Exists(dll)) throw new InvalidOperationException($"The actorgrad command is not built at {dll}; build the solution first.");
        return dll;
    }
}
