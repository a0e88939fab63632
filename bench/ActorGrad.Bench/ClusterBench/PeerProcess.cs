using System.Diagnostics;
using System.Globalization;

namespace ActorGrad.Bench.ClusterBench;

/// <summary>
/// The `cluster-peer` child process: `dotnet ActorGrad.Bench.dll cluster-peer --seed ... --certs ...`.
/// Its stderr is forwarded to ours; its stdin stays open for as long as it should live. Stop (also
/// run on Ctrl+C and at process exit) asks it to quit, and kills it if it has not within a few seconds.
/// </summary>
internal sealed class PeerProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConsoleCancelEventHandler _onCancel;
    private readonly EventHandler _onExit;
    private int _stopped;

    private PeerProcess(Process process)
    {
        _process = process;
        _onCancel = (_, _) => Stop();
        _onExit = (_, _) => Stop();
        Console.CancelKeyPress += _onCancel;
        AppDomain.CurrentDomain.ProcessExit += _onExit;
    }

    public int Id => _process.Id;

    public static PeerProcess Start(string seed, string certificatesDirectory, bool plaintextLane)
    {
        var dll = typeof(Program).Assembly.Location;
        var info = new ProcessStartInfo
        {
            FileName = DotnetHost(),
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in new[] { dll, "cluster-peer", "--seed", seed, "--certs", certificatesDirectory, "--lane", plaintextLane ? "plaintext" : "tls" })
            info.ArgumentList.Add(a);
        // A diagnostic port (dotnet-trace launching us) is ours: inherited, it would suspend the peer at startup.
        info.Environment.Remove("DOTNET_DiagnosticPorts");
        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {info.FileName} {dll} cluster-peer.");
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine("[peer] " + e.Data); };
        process.BeginErrorReadLine();
        return new PeerProcess(process);
    }

    /// <summary>The dotnet host running us (under `dotnet run` we run as the apphost, so look further).</summary>
    internal static string DotnetHost()
    {
        var self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet") return self;
        var fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk)) return fromSdk;
        var root = Environment.GetEnvironmentVariable("DOTNET_ROOT");
        if (!string.IsNullOrEmpty(root) && File.Exists(Path.Combine(root, "dotnet"))) return Path.Combine(root, "dotnet");
        return "dotnet";
    }

    /// <summary>Reads the peer's stdout until its ready line; returns the raw TCP, raw TLS and Kestrel ports it names.</summary>
    public async Task<(int Raw, int RawTls, int Kestrel)> WaitReadyAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            string? line;
            try { line = await _process.StandardOutput.ReadLineAsync(cts.Token); }
            catch (OperationCanceledException) { throw new TimeoutException($"The peer process printed no ready line within {timeout.TotalSeconds:0} s."); }
            if (line is null)
            {
                _process.WaitForExit(5000);
                throw new InvalidOperationException($"The peer process ended before it was ready (exit code {(_process.HasExited ? _process.ExitCode : -1)}).");
            }
            if (line.StartsWith(ClusterPeer.ReadyPrefix, StringComparison.Ordinal))
            {
                var ports = line[ClusterPeer.ReadyPrefix.Length..].Split(' ');
                return (int.Parse(ports[0], CultureInfo.InvariantCulture), int.Parse(ports[1], CultureInfo.InvariantCulture),
                    int.Parse(ports[2], CultureInfo.InvariantCulture));
            }
            Console.Error.WriteLine("[peer] " + line);
        }
    }

    public void Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0) return;
        ChildProcess.QuitOrKill(_process, TimeSpan.FromSeconds(5));
    }

    public void Dispose()
    {
        Stop();
        Console.CancelKeyPress -= _onCancel;
        AppDomain.CurrentDomain.ProcessExit -= _onExit;
        _process.Dispose();
    }
}
