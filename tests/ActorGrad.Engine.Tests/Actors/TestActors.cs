using ActorGrad.Engine.Actors;

namespace ActorGrad.Engine.Tests.Actors;

/// <summary>Small actors the runtime tests are built from.</summary>
internal sealed class EchoActor : ActorBase
{
    protected override void OnReceive(object message) => Sender.Tell(message, Self);
}

/// <summary>Records every message, with the thread it ran on, into a shared log; replies to "count".</summary>
internal sealed class RecorderActor(List<object> log) : ActorBase
{
    protected override void OnReceive(object message)
    {
        lock (log) log.Add(message);
        if (message is "count") Sender.Tell(log.Count, Self);
    }
}

/// <summary>Throws on "fail", replies its state on "state", and reports its lifecycle to a monitor.</summary>
internal sealed class FragileActor(IActorRef monitor) : ActorBase
{
    private int _state;

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case "fail": throw new InvalidOperationException("boom");
            case "state": Sender.Tell(_state, Self); break;
            case int n: _state += n; break;
            default: Unhandled(message); break;
        }
    }

    protected override void PreStart() => monitor.Tell("started");
    protected override void PostStop() => monitor.Tell("stopped");
    protected override void PreRestart(Exception reason, object? message)
    {
        monitor.Tell($"pre-restart:{reason.Message}:{message}");
        base.PreRestart(reason, message);
    }
}

/// <summary>A parent with a given strategy that makes children on request: ("child", name).</summary>
internal sealed class ParentActor : ReceiveActor
{
    private readonly SupervisorStrategy _strategy;

    public ParentActor(SupervisorStrategy strategy, IActorRef monitor)
    {
        _strategy = strategy;
        Receive<(string, string)>(m => m.Item1 == "child", m =>
            Sender.Tell(Context.ActorOf(Props.Create(() => new FragileActor(monitor)), m.Item2), Self));
        Receive<string>(m => m == "fail", _ => throw new InvalidOperationException("parent boom"));
    }

    protected override SupervisorStrategy SupervisorStrategy => _strategy;
}
