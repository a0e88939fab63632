namespace ActorGrad.Engine.Actors;

/// <summary>How to make an actor: its factory, its dispatcher and the strategy it supervises its children with.</summary>
public sealed record Props
{
    // A factory with state: the user's Func<TState, TActor>, the state, and a cached typed caller.
    private readonly Delegate? _stateFactory;
    private readonly object? _state;
    private readonly Func<Delegate, object, ActorBase>? _invoke;
    private Func<ActorBase>? _factory;

    private Props(Func<ActorBase> factory) => _factory = factory;

    private Props(Delegate factory, object state, Func<Delegate, object, ActorBase> invoke)
    {
        _stateFactory = factory;
        _state = state;
        _invoke = invoke;
    }

    public Func<ActorBase> Factory => _factory ??= () => _invoke!(_stateFactory!, _state!);

    /// <summary>A new instance of the actor (without allocating a delegate for a factory with state).</summary>
    internal ActorBase NewActor() => _invoke is not null ? _invoke(_stateFactory!, _state!) : _factory!();

    private static class Caller<TActor, TState> where TActor : ActorBase where TState : class
    {
        public static readonly Func<Delegate, object, ActorBase> Invoke = static (f, s) => ((Func<TState, TActor>)f)((TState)s);
    }
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

    /// <summary>
    /// Props whose factory takes <paramref name="state"/>: with a static lambda there is no closure and no
    /// delegate per actor, only the state object (spawning a graph node is on the hot path).
    /// </summary>
    public static Props Create<TActor, TState>(Func<TState, TActor> factory, TState state, MessageDispatcher dispatcher)
        where TActor : ActorBase where TState : class
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(dispatcher);
        return new Props(factory, state, Caller<TActor, TState>.Invoke) { Dispatcher = dispatcher };
    }

    public Props WithDispatcher(MessageDispatcher dispatcher) => this with { Dispatcher = dispatcher ?? throw new ArgumentNullException(nameof(dispatcher)) };

    public Props WithSupervisorStrategy(SupervisorStrategy strategy) => this with { SupervisorStrategy = strategy ?? throw new ArgumentNullException(nameof(strategy)) };
}
