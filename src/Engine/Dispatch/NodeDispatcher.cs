using Akka.Actor;
using Akka.Configuration;

namespace ActorGrad.Engine.Dispatch;

/// <summary>
/// The dispatcher graph node actors run on, registered in code: no HOCON file for the user to write.
/// </summary>
public static class NodeDispatcher
{
    /// <summary>The dispatcher id that node actors' Props name.</summary>
    public const string Id = "actorgrad.node-dispatcher";

    /// <summary>
    /// The HOCON that registers the dispatcher by type, for an ActorSystem made from config (a TestKit's):
    /// Akka has no setup object for a custom dispatcher, so the string is built here, once. Node actors
    /// get the small <see cref="NodeMailbox"/> this way: Akka finds a mailbox type only in the system's
    /// config, so on a system registered by <see cref="Register"/> alone they keep Akka's default.
    /// </summary>
    public static Config Config { get; } = ConfigurationFactory.ParseString($$"""
        {{Id}} {
          type = "{{typeof(CallingThreadDispatcherConfigurator).AssemblyQualifiedName}}"
          mailbox-type = "{{typeof(NodeMailbox).AssemblyQualifiedName}}"
        }
        """);

    /// <summary>Registers the dispatcher with <paramref name="system"/> (again is fine); returns its id.</summary>
    public static string Register(ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        var dispatchers = system.Dispatchers;
        if (!dispatchers.HasDispatcher(Id))
        {
            var config = ConfigurationFactory.ParseString($"id = \"{Id}\"").WithFallback(dispatchers.DefaultDispatcherConfig);
            dispatchers.RegisterConfigurator(Id, new CallingThreadDispatcherConfigurator(config, dispatchers.Prerequisites));
        }
        return Id;
    }
}
