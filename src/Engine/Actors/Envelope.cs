namespace ActorGrad.Engine.Actors;

/// <summary>A user message and who sent it.</summary>
public readonly record struct Envelope(object Message, IActorRef? Sender);
