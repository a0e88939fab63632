namespace ActorGrad.Nodes;

public sealed record SessionOptions
{
    /// <summary>Seed of the session's random numbers (dropout masks, RandomNormal).</summary>
    public int Seed { get; init; } = 0;
    /// <summary>An upper bound on how long a Backward or a value read may wait (a kernel never returning, say).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>Write actor failures to stderr (they are always published on the event stream).</summary>
    public bool LogToConsole { get; init; } = false;
}
