namespace ActorGrad.Engine.Actors;

/// <summary>The actor at /, /user and /system: it only supervises.</summary>
internal sealed class Guardian(SupervisorStrategy strategy) : ActorBase
{
    protected override SupervisorStrategy SupervisorStrategy => strategy;
    protected override void OnReceive(object message) => Unhandled(message);
}
