namespace ActorGrad.Engine.Actors;

/// <summary>
/// The runtime side of one actor: its instance, mailbox, children, watchers and supervision.
/// Everything here runs inside the actor's mailbox (one thread at a time), except what is marked.
/// </summary>
internal sealed class ActorCell : Mailbox, IActorContext
{
    private enum State { Created, Running, Terminating, Terminated }

    [ThreadStatic] internal static ActorCell? Constructing;
    private static readonly Props TerminatedProps = Props.Create<ActorBase>(() => throw new InvalidOperationException("This actor has stopped."));

    // What most actors (a graph's nodes) never use, made on first use: children, supervision, DeathWatch.
    private sealed class Rare
    {
        public Dictionary<string, LocalActorRef>? Children;
        public Dictionary<InternalActorRef, RestartStatistics>? Restarts;
        public HashSet<InternalActorRef>? Watching;
        public HashSet<InternalActorRef>? WatchedBy;
        public long NextChildName;
        public object? FailedMessage;
        public TaskCompletionSource? Terminated;
    }

    private Rare? _rare;
    // Made by whichever thread needs it first (a parent spawning from a user thread, or the actor's own).
    private Rare R => Volatile.Read(ref _rare) ?? Interlocked.CompareExchange(ref _rare, new Rare(), null) ?? _rare!;
    private ActorBase? _actor;
    private volatile State _state = State.Created;
    private bool _failureSuspended;
    private bool _asyncSuspended;
    private object? _currentMessage;

    public ActorCell(ActorSystem system, Props props, InternalActorRef? parent, ActorPath path) : base(props.Dispatcher)
    {
        System = system;
        Props = props;
        Parent = parent;
        Self = new LocalActorRef(this, path);
    }

    public ActorSystem System { get; }
    /// <summary>How this actor is made; once it has stopped, a placeholder (the factory's captures, e.g. a graph node's inputs, are let go).</summary>
    public Props Props { get; private set; }
    public InternalActorRef? Parent { get; }
    public Mailbox Mailbox => this;
    public LocalActorRef Self { get; }
    public IActorRef? CurrentSender { get; private set; }
    public bool IsTerminated => _state == State.Terminated;

    IActorRef IActorContext.Self => Self;
    IActorRef? IActorContext.Parent => Parent;
    public IActorRef Sender => CurrentSender ?? System.DeadLetters;

    public IReadOnlyCollection<IActorRef> Children
    {
        get { lock (this) return _rare?.Children is { } children ? children.Values.ToArray() : []; }
    }

    /// <summary>How many children are alive, without copying them (checked on every child's stop).</summary>
    private int ChildCount
    {
        get { lock (this) return _rare?.Children?.Count ?? 0; }
    }

    /// <summary>Completes when this actor has stopped (created on first request; most actors never need it).</summary>
    public Task WhenTerminated
    {
        get
        {
            lock (this)
            {
                var r = R;
                r.Terminated ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                if (_state == State.Terminated) r.Terminated.TrySetResult();
                return r.Terminated.Task;
            }
        }
    }

    public void Start() => Mailbox.PostSystem(Create.Instance);

    // ---- children (callable from any thread: the system spawns top-level actors from user threads) ----

    public IActorRef ActorOf(Props props, string? name = null) => SpawnChild(props, name);

    /// <summary>False for the guardians, which LiveActorCount leaves out.</summary>
    private bool Counted { get; init; } = true;

    public LocalActorRef SpawnChild(Props props, string? name, bool counted = true)
    {
        ArgumentNullException.ThrowIfNull(props);
        if (name is not null) ValidateName(name);
        ActorCell child;
        lock (this)
        {
            if (_state >= State.Terminating)
                throw new InvalidOperationException($"Cannot create a child of {Self.Path}: it is stopping or stopped.");
            var r = R;
            name ??= "$" + Base36(++r.NextChildName);
            var children = r.Children ??= new Dictionary<string, LocalActorRef>();
            if (children.ContainsKey(name))
                throw new InvalidOperationException($"An actor named '{name}' already exists under {Self.Path}.");
            child = new ActorCell(System, props, Self, Self.Path.Child(name, System.NextUid())) { Counted = counted };
            children[name] = child.Self;
        }
        if (counted) System.OnActorCreated();
        child.Start();
        return child.Self;
    }

    public LocalActorRef? GetChild(string name)
    {
        lock (this) return _rare?.Children is { } children && children.TryGetValue(name, out var c) ? c : null;
    }

    private static void ValidateName(string name)
    {
        if (name.Length == 0 || name.StartsWith('$') || name.Contains('/') || name.Contains('#') || name.Any(char.IsWhiteSpace))
            throw new ArgumentException($"'{name}' is not a valid actor name: it must be non-empty and not start with '$' nor contain '/', '#' or spaces.");
    }

    private static string Base36(long n)
    {
        const string digits = "0123456789abcdefghijklmnopqrstuvwxyz";
        Span<char> buffer = stackalloc char[16];
        var i = buffer.Length;
        do { buffer[--i] = digits[(int)(n % 36)]; n /= 36; } while (n > 0);
        return new string(buffer[i..]);
    }

    public void Stop(IActorRef actor)
    {
        if (actor is InternalActorRef r) r.SendSystemMessage(Terminate.Instance);
    }

    public IActorRef Watch(IActorRef actor)
    {
        if (actor is not InternalActorRef target || target.Equals(Self)) return actor;
        if ((R.Watching ??= []).Add(target)) target.SendSystemMessage(new Watch(target, Self));
        return actor;
    }

    public IActorRef Unwatch(IActorRef actor)
    {
        if (actor is InternalActorRef target && _rare?.Watching is { } watching && watching.Remove(target))
            target.SendSystemMessage(new Unwatch(target, Self));
        return actor;
    }

    // ---- user messages ----

    public void Invoke(in Envelope envelope)
    {
        CurrentSender = envelope.Sender;
        _currentMessage = envelope.Message;
        try
        {
            switch (envelope.Message)
            {
                case PoisonPill:
                    Stop(Self);
                    break;
                case Kill:
                    throw new ActorKilledException($"{Self.Path} was killed.");
                default:
                    _actor!.InvokeReceive(envelope.Message);
                    break;
            }
        }
        catch (Exception e)
        {
            HandleFailure(e);
        }
        finally
        {
            CurrentSender = null;
            _currentMessage = null;
        }
    }

    /// <summary>Suspends the mailbox until an async handler's task completes (Akka's ReceiveAsync).</summary>
    public void RunAsyncHandler(Task task)
    {
        if (task.IsCompletedSuccessfully) return;
        if (task.IsFaulted) throw task.Exception!.GetBaseException();
        _asyncSuspended = true;
        Mailbox.Suspend();
        var self = Self;
        task.ContinueWith(
            t => self.SendSystemMessage(new AsyncHandlerDone(t.IsFaulted ? t.Exception!.GetBaseException() : t.IsCanceled ? new TaskCanceledException(t) : null)),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    // ---- system messages ----

    public void SystemInvoke(SystemMessage message)
    {
        try
        {
            switch (message)
            {
                case Create: CreateActor(); break;
                case Terminate: BeginTerminate(); break;
                case Watch w: AddWatcher(w.Watcher); break;
                case Unwatch u: _rare?.WatchedBy?.Remove(u.Watcher); break;
                case DeathWatchNotification d: OnDeathWatchNotification(d); break;
                case Failed f: OnChildFailed(f); break;
                case Resume: ClearFailure(); break;
                case Recreate r: Restart(r.Cause); break;
                case AsyncHandlerDone done: OnAsyncHandlerDone(done); break;
            }
        }
        catch (Exception e)
        {
            System.Log.Error(e, Self.Path.ToString(), $"Failure while handling system message {message.GetType().Name}");
            HandleFailure(e);
        }
    }

    private ActorBase NewInstance()
    {
        var previous = Constructing;
        Constructing = this;
        try { return Props.NewActor(); }
        finally { Constructing = previous; }
    }

    private void CreateActor()
    {
        if (_state != State.Created) return;
        _state = State.Running;
        try
        {
            _actor = NewInstance();
            _actor.InvokePreStart();
        }
        catch (Exception e)
        {
            HandleFailure(new ActorInitializationException(Self.Path, e));
        }
    }

    private void AddWatcher(InternalActorRef watcher)
    {
        if (_state == State.Terminated) watcher.SendSystemMessage(new DeathWatchNotification(Self, true, false));
        else (R.WatchedBy ??= []).Add(watcher);
    }

    private void OnDeathWatchNotification(DeathWatchNotification d)
    {
        if (d.Actor is InternalActorRef dead)
        {
            var wasChild = false;
            lock (this)
            {
                if (_rare?.Children is { } children && children.TryGetValue(dead.Path.Name, out var c) && c.Equals(dead))
                {
                    children.Remove(dead.Path.Name);
                    wasChild = true;
                }
            }
            if (wasChild) _rare?.Restarts?.Remove(dead);
            if (_rare?.Watching is { } watching && watching.Remove(dead) && _state == State.Running && _actor is not null)
                Invoke(new Envelope(new Terminated(dead, d.ExistenceConfirmed, d.AddressTerminated), dead));
        }
        if (_state == State.Terminating && ChildCount == 0) FinishTerminate();
    }

    // ---- failure and supervision ----

    private void HandleFailure(Exception cause)
    {
        if (_state >= State.Terminating)
        {
            System.Log.Error(cause, Self.Path.ToString(), "Failure while stopping; ignored");
            return;
        }
        if (!_failureSuspended)
        {
            _failureSuspended = true;
            R.FailedMessage = _currentMessage;
            Mailbox.Suspend();
        }
        System.Log.Error(cause, Self.Path.ToString(), $"Actor failed: {cause.Message}");
        if (Parent is null) BeginTerminate();
        else Parent.SendSystemMessage(new Failed(Self, cause));
    }

    private void OnChildFailed(Failed failed)
    {
        if (GetChild(failed.Child.Path.Name) is not { } child || !child.Equals(failed.Child)) return; // stale
        var strategy = Props.SupervisorStrategy ?? _actor?.ChildStrategy ?? SupervisorStrategy.Default;
        var directive = strategy.Decider(failed.Cause);
        if (directive == Directive.Restart)
        {
            var restarts = R.Restarts ??= new();
            var stats = restarts.TryGetValue(child, out var s) ? s : restarts[child] = new RestartStatistics();
            if (!stats.RequestRestart(strategy, DateTime.UtcNow)) directive = Directive.Stop;
        }
        if (directive == Directive.Escalate)
        {
            HandleFailure(failed.Cause);
            return;
        }
        var targets = strategy.AppliesToAllChildren ? Children.Cast<InternalActorRef>().ToArray() : [child];
        foreach (var target in targets)
        {
            var isFailed = target.Equals(child);
            switch (directive)
            {
                case Directive.Resume: if (isFailed) target.SendSystemMessage(new Resume()); break;
                case Directive.Restart: target.SendSystemMessage(new Recreate(failed.Cause)); break;
                case Directive.Stop: target.SendSystemMessage(Terminate.Instance); break;
            }
        }
    }

    private void ClearFailure()
    {
        if (!_failureSuspended) return;
        _failureSuspended = false;
        if (_rare is { } rare) rare.FailedMessage = null;
        Mailbox.ResumeProcessing();
    }

    private void Restart(Exception cause)
    {
        if (_state != State.Running) return;
        try { _actor?.InvokePreRestart(cause, _rare?.FailedMessage); }
        catch (Exception e) { System.Log.Error(e, Self.Path.ToString(), "PreRestart threw"); }
        try
        {
            _actor = NewInstance();
            _actor.InvokePostRestart(cause);
        }
        catch (Exception e)
        {
            ClearFailure();
            HandleFailure(new ActorInitializationException(Self.Path, e));
            return;
        }
        ClearFailure();
        if (!_failureSuspended && _asyncSuspended)
        {
            // A restart abandons an async handler in flight.
            _asyncSuspended = false;
            Mailbox.ResumeProcessing();
        }
    }

    private void OnAsyncHandlerDone(AsyncHandlerDone done)
    {
        if (!_asyncSuspended) return;
        _asyncSuspended = false;
        Mailbox.ResumeProcessing();
        if (done.Failure is not null) HandleFailure(done.Failure);
    }

    // ---- stopping ----

    private void BeginTerminate()
    {
        if (_state >= State.Terminating) return;
        lock (this) _state = State.Terminating;
        Mailbox.Suspend();
        if (_rare?.Watching is { } watching)
        {
            foreach (var w in watching) w.SendSystemMessage(new Unwatch(w, Self));
            watching.Clear();
        }
        var children = Children;
        if (children.Count == 0) FinishTerminate();
        else foreach (var c in children) ((InternalActorRef)c).SendSystemMessage(Terminate.Instance);
    }

    private void FinishTerminate()
    {
        if (_state == State.Terminated) return;
        try { _actor?.InvokePostStop(); }
        catch (Exception e) { System.Log.Error(e, Self.Path.ToString(), "PostStop threw"); }
        _actor = null;
        Props = TerminatedProps;
        lock (this) _state = State.Terminated;
        Mailbox.Close();
        var notification = new DeathWatchNotification(Self, true, false);
        if (_rare?.WatchedBy is { } watchedBy)
        {
            foreach (var w in watchedBy)
                if (!w.Equals(Parent)) w.SendSystemMessage(notification);
            _rare.WatchedBy = null;
        }
        Parent?.SendSystemMessage(notification);
        if (Counted && Parent is not null) System.OnActorStopped();
        lock (this) _rare?.Terminated?.TrySetResult();
    }
}
