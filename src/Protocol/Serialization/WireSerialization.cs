using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using ActorGrad.Protocol.Nodes;

namespace ActorGrad.Protocol.Serialization;

/// <summary>
/// How an ActorSystem serializes ActorGrad's messages, strictly: our MessagePack serializer for every message
/// of <see cref="WireManifests"/>, and no JSON fallback — neither for sending (System.Object is bound to
/// <see cref="UnboundTypeSerializer"/>) nor for receiving (the "json" serializer alias is replaced, so a payload
/// that claims Akka's JSON serializer id is refused instead of instantiating the types it names).
/// </summary>
public static class WireSerialization
{
    public const string SerializerName = "actorgrad";
    public const string UnboundSerializerName = "actorgrad-unbound";

    /// <summary>
    /// The types bound to our serializer: the base of the node messages (so a record missing from the table is refused
    /// by name) and every row of the table (a row whose type has another base is bound directly).
    /// </summary>
    public static IReadOnlyList<Type> BoundTypes { get; } =
        new[] { typeof(NodeMessage), typeof(Gradients.GradientMessage) }.Concat(WireManifests.Entries.Select(e => e.Type)).Distinct().ToArray(); // before Config, which reads it

    /// <summary>For a plain <c>ActorSystem.Create(name, WireSerialization.Config.WithFallback(...))</c>.</summary>
    public static Config Config { get; } = ConfigurationFactory.ParseString(Hocon());

    /// <summary>The HOCON of <see cref="Config"/>, to merge with other configuration text.</summary>
    public static string Hocon()
    {
        var bindings = string.Join(Environment.NewLine,
            BoundTypes.Select(t => $"      \"{TypeName(t)}\" = {SerializerName}"));
        return $$"""
            akka.actor {
              serializers {
                {{SerializerName}} = "{{TypeName(typeof(ActorGradSerializer))}}"
                {{UnboundSerializerName}} = "{{TypeName(typeof(UnboundTypeSerializer))}}"
                json = "{{TypeName(typeof(UnboundTypeSerializer))}}"
              }
              serialization-bindings {
            {{bindings}}
                "System.Object" = {{UnboundSerializerName}}
              }
            }
            """;
    }

    /// <summary>
    /// The same through Akka.Hosting: our serializer and the System.Object refusal by <c>WithCustomSerializer</c>,
    /// and the replacement of the "json" alias as HOCON (a SerializationSetup can add serializers, not remove Akka's).
    /// </summary>
    public static AkkaConfigurationBuilder WithActorGradSerialization(this AkkaConfigurationBuilder builder)
    {
        builder.AddHocon($"akka.actor.serializers.json = \"{TypeName(typeof(UnboundTypeSerializer))}\"", HoconAddMode.Prepend);
        builder.WithCustomSerializer(SerializerName, BoundTypes, system => new ActorGradSerializer(system));
        builder.WithCustomSerializer(UnboundSerializerName, [typeof(object)], system => new UnboundTypeSerializer(system));
        return builder;
    }

    private static string TypeName(Type type) => $"{type.FullName}, {type.Assembly.GetName().Name}";
}
