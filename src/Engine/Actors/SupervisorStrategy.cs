namespace ActorGrad.Engine.Actors;

/// <summary>What a parent does with a failed child.</summary>
public enum Directive { Resume, Restart, Stop, Escalate }

/// <summary>
/// Decides, per failure, a <see cref="Directive"/>; restarts beyond <c>maxRetries</c> within
/// <c>withinTime</c> stop the child instead (negative maxRetries: no limit).
/// </summary>
public abstract class SupervisorStrategy(int maxRetries, TimeSpan withinTime, Func<Exception, Directive> decider)
{
    public int MaxRetries { get; } = maxRetries;
    public TimeSpan WithinTime { get; } = withinTime;
    public Func<Exception, Directive> Decider { get; } = decider ?? throw new ArgumentNullException(nameof(decider));

    /// <summary>Akka's default decider: initialisation failures, kills and death pacts stop; anything else restarts.</summary>
    public static Directive DefaultDecider(Exception e) => e switch
    {
        ActorInitializationException or ActorKilledException or DeathPactException => Directive.Stop,
        _ => Directive.Restart,
    };

    public static SupervisorStrategy Default { get; } = new OneForOneStrategy(-1, TimeSpan.Zero, DefaultDecider);

    /// <summary>True when the strategy applies the directive to all children, not just the failed one.</summary>
    public abstract bool AppliesToAllChildren { get; }
}

public sealed class OneForOneStrategy(int maxRetries, TimeSpan withinTime, Func<Exception, Directive> decider)
    : SupervisorStrategy(maxRetries, withinTime, decider)
{
    public OneForOneStrategy(Func<Exception, Directive> decider) : this(-1, TimeSpan.Zero, decider) { }
    public override bool AppliesToAllChildren => false;
}

public sealed class AllForOneStrategy(int maxRetries, TimeSpan withinTime, Func<Exception, Directive> decider)
    : SupervisorStrategy(maxRetries, withinTime, decider)
{
    public AllForOneStrategy(Func<Exception, Directive> decider) : this(-1, TimeSpan.Zero, decider) { }
    public override bool AppliesToAllChildren => true;
}

/// <summary>A child's restarts within the strategy's window.</summary>
internal sealed class RestartStatistics
{
    private int _count;
    private DateTime _windowStart;

    /// <summary>Records one restart; false when that exceeds the strategy's limit.</summary>
    public bool RequestRestart(SupervisorStrategy strategy, DateTime now)
    {
        if (strategy.MaxRetries < 0) return true;
        if (strategy.WithinTime > TimeSpan.Zero && now - _windowStart > strategy.WithinTime)
        {
            _windowStart = now;
            _count = 0;
        }
        _count++;
        return _count <= strategy.MaxRetries;
    }
}
