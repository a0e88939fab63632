using ActorGrad.Engine.Dispatch;
using Akka.Actor;
using Akka.Configuration;

namespace ActorGrad.Nodes;

/// <summary>
/// The process-wide ActorSystems sessions share: creating and terminating one costs about 10 ms and
/// tests make hundreds of sessions. Two, created on first use: a quiet one (the default) and one
/// that logs warnings to the console. Configured in code; the HOCON strings are built here because
/// Akka has no setup object for the log level or a custom dispatcher.
/// </summary>
internal static class SharedActorSystems
{
    private static readonly Lazy<ActorSystem> Quiet = new(() => Create("actorgrad", "OFF"));
    private static readonly Lazy<ActorSystem> Console = new(() => Create("actorgrad-console", "WARNING"));

    public static ActorSystem Get(bool logToConsole) => (logToConsole ? Console : Quiet).Value;

    private static ActorSystem Create(string name, string logLevel)
    {
        var config = ConfigurationFactory.ParseString($$"""
            akka.loglevel = {{logLevel}}
            akka.stdout-loglevel = {{logLevel}}
            akka.log-dead-letters = off
            akka.log-dead-letters-during-shutdown = off
            """).WithFallback(NodeDispatcher.Config);
        return ActorSystem.Create(name, config);
    }
}
