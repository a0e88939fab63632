namespace ActorGrad.Protocol.Wire;

/// <summary>
/// A frame that cannot be decoded: oversized, inconsistent lengths, a malformed header, or a payload
/// that does not match its tensor header. The connection that sent it is closed; nothing else is affected.
/// </summary>
public sealed class FrameException : Exception
{
    public FrameException(string message) : base(message) { }
    public FrameException(string message, Exception inner) : base(message, inner) { }
}
