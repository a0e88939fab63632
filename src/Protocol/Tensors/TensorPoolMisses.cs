using System.Collections.Concurrent;
using System.Diagnostics;

namespace ActorGrad.Protocol.Tensors;

/// <summary>
/// A diagnostic of <see cref="TensorValuePool"/> (environment variable <c>ACTORGRAD_POOL_MISSLOG=1</c>, off by default):
/// every large rent the pool could not serve, which therefore takes fresh memory, is tallied by its length and the
/// stack that asked, so a process that keeps touching fresh pages shows which code does it and which code holds the
/// arrays it could have had back. Costs a stack walk per miss while on; a static check while off.
/// </summary>
public static class TensorPoolMisses
{
    /// <summary>Misses below this many floats are not recorded (their storage is not worth a stack walk).</summary>
    public const int RecordedLength = 1 << 16;

    private const int Frames = 9;
    private static readonly ConcurrentDictionary<string, long> Missed = new(StringComparer.Ordinal);

    public static bool Enabled { get; } = Environment.GetEnvironmentVariable("ACTORGRAD_POOL_MISSLOG") == "1";

    internal static void Record(int length)
    {
        if (length < RecordedLength) return;
        var frames = new StackTrace(2, false).GetFrames().Take(Frames)
            .Select(f => f.GetMethod() is { } m ? $"{m.DeclaringType?.Name}.{m.Name}" : "?");
        Missed.AddOrUpdate($"{length} floats at {string.Join(" < ", frames)}", 4L * length, (_, bytes) => bytes + 4L * length);
    }

    /// <summary>The misses since the last call, largest first, one per line: bytes, length, stack.</summary>
    public static string Take(int top)
    {
        var all = Missed.ToArray();
        Missed.Clear();
        return $"{all.Sum(p => p.Value) / 1e6:0.0} MB of pool misses" + string.Concat(all.OrderByDescending(p => p.Value).Take(top)
            .Select(p => $"{Environment.NewLine}  {p.Value / 1e6:0.0} MB {p.Key}"));
    }
}
