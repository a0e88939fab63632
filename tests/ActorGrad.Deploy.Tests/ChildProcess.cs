using System.Diagnostics;
using System.Text;

namespace ActorGrad.Deploy.Tests;

/// <summary>A process run to its end within an upper bound (killed with its children past it); its output kept.</summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    public ChildProcess(string file, IEnumerable<string> args, string? workingDirectory = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Repo.Root,
        };
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var (k, v) in environment ?? new Dictionary<string, string?>()) info.Environment[k] = v;
        _process = new Process { StartInfo = info };
        _process.OutputDataReceived += (_, e) => Add(e.Data);
        _process.ErrorDataReceived += (_, e) => Add(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Output { get { lock (_output) return _output.ToString(); } }

    public bool HasExited => _process.HasExited;

    private void Add(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    /// <summary>The exit code; past <paramref name="bound"/> the process tree is killed and the test fails with its output.</summary>
    public async Task<int> WaitAsync(TimeSpan bound)
    {
        using var cts = new CancellationTokenSource(bound);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{_process.StartInfo.FileName} {string.Join(' ', _process.StartInfo.ArgumentList)}' did not end within {bound.TotalSeconds:0} s. Output:\n{Output}");
        }
        _process.WaitForExit(); // the output's last lines
        return _process.ExitCode;
    }

    /// <summary>Runs to the end; returns the exit code and the output.</summary>
    public static async Task<(int Code, string Output)> RunAsync(string file, IEnumerable<string> args, TimeSpan bound,
        string? workingDirectory = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        using var child = new ChildProcess(file, args, workingDirectory, environment);
        var code = await child.WaitAsync(bound);
        return (code, child.Output);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            _process.WaitForExit();
        }
        _process.Dispose();
    }
}
