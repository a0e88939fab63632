namespace ActorGrad.Nodes;

public sealed record SessionOptions
{
    /// <summary>Seed of the session's random numbers (dropout masks, RandomNormal).</summary>
    public int Seed { get; init; } = 0;
    /// <summary>An upper bound on how long a Backward or a value read may wait (a kernel never returning, say).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>
    /// Log node actors' warnings to the console (Akka's standard-out logger). Off by default: the
    /// session then uses a process-wide ActorSystem whose log level is OFF. Ignored when <see cref="System"/> is given.
    /// </summary>
    public bool LogToConsole { get; init; } = false;
    /// <summary>
    /// An ActorSystem of the caller's to put the node actors in (a TestKit's Sys, an Akka.Hosting
    /// system); the session registers its dispatcher there and never terminates it. Null: a
    /// process-wide system shared by sessions, created on first use.
    /// </summary>
    public Akka.Actor.ActorSystem? System { get; init; }
}
