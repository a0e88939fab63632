namespace ActorGrad.Engine.Actors;

public sealed record ActorSystemSettings
{
    /// <summary>Log events at or above this level are written to stderr; null writes none.</summary>
    public LogLevel? ConsoleLogLevel { get; init; } = LogLevel.Warning;
    /// <summary>How long Ask waits when the caller gives no timeout.</summary>
    public TimeSpan DefaultAskTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>How long DisposeAsync waits for actors to stop before it gives up and logs.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Host and port when the system is reachable from other members; null for a local system.</summary>
    public string? Host { get; init; }
    public int? Port { get; init; }
    /// <summary>The strategy the /user guardian supervises top-level actors with.</summary>
    public SupervisorStrategy GuardianStrategy { get; init; } = SupervisorStrategy.Default;
    /// <summary>
    /// Where the /user guardian runs. A system whose top-level actors come and go on one thread (the
    /// autograd's node actors) sets the calling-thread dispatcher, so a stop does not hop threads.
    /// </summary>
    public MessageDispatcher GuardianDispatcher { get; init; } = Dispatchers.Default;
}

/// <summary>The home of a tree of actors: /user holds the application's, /system the runtime's own.</summary>
public sealed class ActorSystem : IAsyncDisposable
{
    private static long _uids = DateTime.UtcNow.Ticks;
    private readonly ActorCell _root;
    private readonly ActorCell _user;
    private readonly ActorCell _systemGuardian;
    private readonly IDisposable? _consoleLog;
    private Func<ActorPath, InternalActorRef?>? _remoteResolver;
    private long _live;
    private int _disposed;

    private ActorSystem(string name, ActorSystemSettings settings)
    {
        Name = name;
        Settings = settings;
        Address = new ActorAddress(name, settings.Host, settings.Port);
        EventStream = new EventStream();
        Log = new LoggingAdapter(EventStream);
        if (settings.ConsoleLogLevel is { } level)
            _consoleLog = EventStream.Subscribe<LogEvent>(e => { if (e.Level >= level) Console.Error.WriteLine(e); });
        var rootPath = ActorPath.Root(Address);
        DeadLetters = new DeadLetterActorRef(this, rootPath.Child("deadLetters"));
        _root = new ActorCell(this, Props.Create(() => new Guardian(SupervisorStrategy.Default)), null, rootPath.WithUid(NextUid()));
        _root.Start();
        _user = _root.SpawnChild(Props.Create(() => new Guardian(settings.GuardianStrategy)).WithDispatcher(settings.GuardianDispatcher), "user", counted: false).Cell;
        _systemGuardian = _root.SpawnChild(Props.Create(() => new Guardian(SupervisorStrategy.Default)), "system", counted: false).Cell;
    }

    public static ActorSystem Create(string name, ActorSystemSettings? settings = null)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Any(c => !(char.IsLetterOrDigit(c) || c is '-' or '_')))
            throw new ArgumentException($"'{name}' is not a valid actor system name: use letters, digits, '-' and '_'.");
        return new ActorSystem(name, settings ?? new ActorSystemSettings());
    }

    public string Name { get; }
    public ActorSystemSettings Settings { get; }
    public ActorAddress Address { get; }
    public EventStream EventStream { get; }
    public LoggingAdapter Log { get; }
    public DeadLetterActorRef DeadLetters { get; }
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Actors created under /user and /system that have not stopped yet.</summary>
    public long LiveActorCount => Interlocked.Read(ref _live);

    internal long NextUid() => Interlocked.Increment(ref _uids);
    internal void OnActorCreated() => Interlocked.Increment(ref _live);
    internal void OnActorStopped() => Interlocked.Decrement(ref _live);

    /// <summary>Creates a top-level actor under /user.</summary>
    public IActorRef ActorOf(Props props, string? name = null)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return _user.SpawnChild(props, name);
    }

    /// <summary>Creates a runtime actor under /system (for the cluster and other services).</summary>
    public IActorRef SystemActorOf(Props props, string? name = null)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return _systemGuardian.SpawnChild(props, name);
    }

    /// <summary>Stops the actor (and its children) after the message it is processing.</summary>
    public void Stop(IActorRef actor)
    {
        if (actor is InternalActorRef r) r.SendSystemMessage(Terminate.Instance);
    }

    /// <summary>Completes when the actor has stopped; at once for a stopped or non-local actor.</summary>
    public Task WhenTerminated(IActorRef actor) => actor is LocalActorRef l ? l.Cell.WhenTerminated : Task.CompletedTask;

    /// <summary>The seam the cluster plugs into: resolves paths whose address is another member's.</summary>
    public void RegisterRemoteResolver(Func<ActorPath, InternalActorRef?> resolver) => _remoteResolver = resolver;

    /// <summary>A reference for <paramref name="path"/>: a local actor, a remote one, or dead letters when unknown.</summary>
    public IActorRef ResolveActorRef(ActorPath path)
    {
        if (path.Address.Equals(Address) || (path.Address.IsLocal && path.Address.System == Name))
            return ResolveLocal(path) ?? (IActorRef)DeadLetters;
        return _remoteResolver?.Invoke(path) ?? (IActorRef)DeadLetters;
    }

    /// <summary>The live local actor at these path elements (uid checked when the path has one), or null.</summary>
    public InternalActorRef? ResolveLocal(ActorPath path)
    {
        var elements = path.Elements;
        if (elements.Count == 1 && elements[0] == "deadLetters") return DeadLetters;
        var cell = _root;
        foreach (var name in elements)
        {
            var child = cell.GetChild(name);
            if (child is null) return null;
            cell = child.Cell;
        }
        if (cell.IsTerminated || (path.Uid != 0 && cell.Self.Path.Uid != path.Uid)) return null;
        return cell.Self;
    }

    /// <summary>Stops every actor (children before parents) and waits for them, within the shutdown timeout.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _root.Stop(_root.Self);
        var stopped = await Task.WhenAny(_root.WhenTerminated, Task.Delay(Settings.ShutdownTimeout)).ConfigureAwait(false);
        if (stopped != _root.WhenTerminated)
            Log.Warning(Name, $"Shutdown timed out after {Settings.ShutdownTimeout}: {LiveActorCount} actors had not stopped.");
        _consoleLog?.Dispose();
    }

    public override string ToString() => $"ActorSystem[{Address}]";
}
