using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace ActorGrad.Bench.StepBench;

/// <summary>
/// Counts the methods this process's JIT compiles (runtime events, JIT keyword), by name: a diagnostic of the step
/// benchmark (`ACTORGRAD_STEP_JITLOG=1`) for finding code that keeps being compiled in the steady state.
/// </summary>
internal sealed class JitLog : EventListener
{
    private readonly ConcurrentDictionary<string, int> _compiled = new(StringComparer.Ordinal);

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x10);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.EventName is not { } name || !name.StartsWith("MethodLoadVerbose", StringComparison.Ordinal) || e.Payload is null) return;
        var ns = e.PayloadNames!.IndexOf("MethodNamespace");
        var method = e.PayloadNames.IndexOf("MethodName");
        var flags = e.PayloadNames.IndexOf("MethodFlags");
        var key = $"{e.Payload[ns]}::{e.Payload[method]} flags={(flags >= 0 ? e.Payload[flags] : "")}";
        _compiled.AddOrUpdate(key, 1, (_, n) => n + 1);
    }

    /// <summary>The most compiled methods since the last call, and how many compilations there were.</summary>
    public string TakeTop(int top)
    {
        var all = _compiled.ToArray();
        _compiled.Clear();
        return $"{all.Sum(p => p.Value)} compilations of {all.Length} methods; top: " +
               string.Join(" | ", all.OrderByDescending(p => p.Value).Take(top).Select(p => $"{p.Value}x {p.Key}"));
    }
}
