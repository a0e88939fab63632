using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace ActorGrad.Bench.StepBench;

/// <summary>
/// What this process's JIT compiles (runtime events, JIT keyword), by method: how often and for how long (from
/// MethodJittingStarted to MethodLoadVerbose on the same thread), with the optimization tier the runtime reports. A
/// diagnostic of the step benchmark (`ACTORGRAD_STEP_JITLOG=1`) for finding code that keeps being compiled, or takes
/// long to compile, in the steady state.
/// </summary>
internal sealed class JitLog : EventListener
{
    private readonly ConcurrentDictionary<string, (int Count, double Milliseconds)> _compiled = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(ulong Thread, ulong Method), DateTime> _started = new();

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x10);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.EventName is not { } name || e.Payload is null || e.PayloadNames is null) return;
        var id = e.PayloadNames.IndexOf("MethodID");
        if (id < 0) return;
        var key = ((ulong)e.OSThreadId, Convert.ToUInt64(e.Payload[id], System.Globalization.CultureInfo.InvariantCulture));
        if (name.StartsWith("MethodJittingStarted", StringComparison.Ordinal))
        {
            _started[key] = e.TimeStamp;
            return;
        }
        if (!name.StartsWith("MethodLoadVerbose", StringComparison.Ordinal)) return;
        var ns = e.PayloadNames.IndexOf("MethodNamespace");
        var method = e.PayloadNames.IndexOf("MethodName");
        var flags = e.PayloadNames.IndexOf("MethodFlags");
        // MethodFlags bits 7-9: the optimization tier (1 min-opts, 2 optimized, 3 tier 0, 4 tier 1, 5 OSR, 6 instrumented tier 0, 7 instrumented tier 1).
        var tier = flags >= 0 ? (Convert.ToUInt32(e.Payload[flags], System.Globalization.CultureInfo.InvariantCulture) >> 7) & 7 : 0;
        var ms = _started.TryRemove(key, out var start) ? (e.TimeStamp - start).TotalMilliseconds : 0;
        _compiled.AddOrUpdate($"{e.Payload[ns]}::{e.Payload[method]} tier={tier}", (1, ms), (_, v) => (v.Count + 1, v.Milliseconds + ms));
    }

    /// <summary>The methods that took the JIT longest since the last call, and how many compilations there were in all.</summary>
    public string TakeTop(int top)
    {
        var all = _compiled.ToArray();
        _compiled.Clear();
        return $"{all.Sum(p => p.Value.Count)} compilations of {all.Length} methods, {all.Sum(p => p.Value.Milliseconds):0.0} ms; longest: " +
               string.Join(" | ", all.OrderByDescending(p => p.Value.Milliseconds).Take(top).Select(p => $"{p.Value.Milliseconds:0.0} ms {p.Value.Count}x {p.Key}"));
    }
}
