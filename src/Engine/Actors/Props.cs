namespace ActorGrad.Engine.Actors;

/// <summary>How to make an actor: its factory, its dispatcher and the strategy it supervises its children with.</summary>
public sealed record Props
{
    private Props(Func<ActorBase> factory) => Factory = factory;

    public Func<ActorBase> Factory { get; }
    public MessageDispatcher Dispatcher { get; init; } = Dispatchers.Default;
    public SupervisorStrategy? SupervisorStrategy { get; init; }

    public static Props Create<TActor>() where TActor : ActorBase, new() => new(() => new TActor());

    public static Props Create<TActor>(Func<TActor> factory) where TActor : ActorBase
    {
        ArgumentNullException.ThrowIfNull(factory);
        return new Props(factory);
    }

    /// <summary>The same as <c>Create(factory).WithDispatcher(dispatcher)</c>, in one object (spawning a graph node is on the hot path).</summary>
    public static Props Create<TActor>(Func<TActor> factory, MessageDispatcher dispatcher) where TActor : ActorBase
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(dispatcher);
        return new Props(factory) { Dispatcher = dispatcher };
    }

    public Props WithDispatcher(MessageDispatcher dispatcher) => this with { Dispatcher = dispatcher ?? throw new ArgumentNullException(nameof(dispatcher)) };

    public Props WithSupervisorStrategy(SupervisorStrategy strategy) => this with { SupervisorStrategy = strategy ?? throw new ArgumentNullException(nameof(strategy)) };
}
