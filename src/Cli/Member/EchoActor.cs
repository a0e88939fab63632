using Akka.Actor;

namespace ActorGrad.Cli.Member;

/// <summary>
/// /user/echo on every node: replies with what it receives, so other members (and the tests) can
/// check Tell and Ask across the cluster. "stop" stops it (for DeathWatch), "fail" fails the Ask.
/// </summary>
internal sealed class EchoActor : ReceiveActor
{
    public const string Name = "echo";

    public EchoActor()
    {
        Receive<string>(s => s == "stop", _ => Context.Stop(Self));
        Receive<string>(s => s == "fail", _ => Sender.Tell(new Status.Failure(new InvalidOperationException("echo was asked to fail"))));
        ReceiveAny(m => Sender.Tell(m));
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new EchoActor());
}
