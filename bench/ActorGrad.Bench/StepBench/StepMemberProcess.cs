using System.Diagnostics;
using System.Globalization;
using ActorGrad.Bench.ClusterBench;
using ActorGrad.Cluster.Metrics;

namespace ActorGrad.Bench.StepBench;

/// <summary>
/// A `steps --member` child process (started the way ClusterBench starts its peer): stderr forwarded, stdin kept
/// open for its commands; Dispose asks it to quit and kills it if it has not within a few seconds.
/// </summary>
internal sealed class StepMemberProcess : IDisposable
{
    private readonly Process _process;
    private readonly EventHandler _onExit;
    private int _stopped;

    private StepMemberProcess(Process process, string address)
    {
        _process = process;
        Address = address;
        _onExit = (_, _) => Stop();
        AppDomain.CurrentDomain.ProcessExit += _onExit;
    }

    /// <summary>Its cluster address as HOST:PORT.</summary>
    public string Address { get; }

    /// <summary>Environment variables set for every member process started after (`steps --member-env NAME=VALUE`).</summary>
    public static Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    public static StepMemberProcess Start(string? seed)
    {
        var info = new ProcessStartInfo
        {
            FileName = PeerProcess.DotnetHost(),
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in seed is null ? new[] { typeof(Program).Assembly.Location, "steps", "--member" }
                     : [typeof(Program).Assembly.Location, "steps", "--member", "--seed", seed])
            info.ArgumentList.Add(a);
        info.Environment.Remove("DOTNET_DiagnosticPorts");
        foreach (var (name, value) in Environment) info.Environment[name] = value;
        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {info.FileName} steps --member.");
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"[member {process.Id}] " + e.Data); };
        process.BeginErrorReadLine();
        try
        {
            var ready = ReadUntil(process, StepMember.ReadyPrefix, TimeSpan.FromSeconds(90));
            return new StepMemberProcess(process, ready);
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
    }

    /// <summary>Its lane's counters (bytes sent, messages sent, bytes received, messages received) and its process's.</summary>
    public (long[] Lane, ProcessCounters Process) Stats()
    {
        _process.StandardInput.WriteLine("stats");
        _process.StandardInput.Flush();
        var fields = ReadUntil(_process, StepMember.StatsPrefix, TimeSpan.FromSeconds(30)).Split(' ');
        return ([.. fields[..4].Select(s => long.Parse(s, CultureInfo.InvariantCulture))], ProcessCounters.FromWire(fields[4..]));
    }

    /// <summary>The step timeline's marks this member recorded since the last call (<see cref="StepTimeline"/>).</summary>
    public List<StepTimeline.Mark> Timeline()
    {
        _process.StandardInput.WriteLine("timeline");
        _process.StandardInput.Flush();
        return TimelineReport.FromWire(ReadUntil(_process, StepMember.TimelinePrefix, TimeSpan.FromSeconds(30)));
    }

    private static string ReadUntil(Process process, string prefix, TimeSpan timeout)
    {
        var read = Task.Run(() =>
        {
            string? line;
            while ((line = process.StandardOutput.ReadLine()) is not null)
            {
                if (line.StartsWith(prefix, StringComparison.Ordinal)) return line[prefix.Length..];
                Console.Error.WriteLine($"[member {process.Id}] " + line);
            }
            throw new InvalidOperationException($"The member process {process.Id} ended before it printed '{prefix.Trim()}'.");
        });
        if (!read.Wait(timeout)) throw new TimeoutException($"The member process {process.Id} printed no '{prefix.Trim()}' line within {timeout.TotalSeconds:0} s.");
        return read.Result;
    }

    public void Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0) return;
        ChildProcess.QuitOrKill(_process, TimeSpan.FromSeconds(10));
    }

    public void Dispose()
    {
        Stop();
        AppDomain.CurrentDomain.ProcessExit -= _onExit;
        _process.Dispose();
    }
}
