using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;

namespace ActorGrad.Protocol.Serialization;

/// <summary>
/// Bound to System.Object in place of Akka's JSON fallback: a message type with no serializer of its own is
/// refused, naming the type, instead of travelling as JSON (whose type names would be instantiated by the receiver).
/// Akka.Remote logs the refusal and keeps the association. It also refuses every payload that claims to be for it.
/// </summary>
public sealed class UnboundTypeSerializer(ExtendedActorSystem system) : Serializer(system)
{
    public const int Id = 1402;

    /// <summary>Akka passes the settings of the alias it creates us under; under "json" that is the JSON serializer's, which we ignore.</summary>
    public UnboundTypeSerializer(ExtendedActorSystem system, Config settings) : this(system) => _ = settings;

    public override int Identifier => Id;

    public override bool IncludeManifest => false;

    public override byte[] ToBinary(object obj) =>
        throw new SerializationException(
            $"{obj?.GetType().FullName ?? "null"} has no serializer binding, so it cannot leave this process: bind it (ActorGrad messages go in WireManifests) — the JSON fallback is off.");

    public override object FromBinary(byte[] bytes, Type? type) =>
        throw new SerializationException(
            $"A payload for serializer {Id} (unbound types{(type is null ? "" : $", {type.FullName}")}) arrived; such payloads are never decoded.");
}
