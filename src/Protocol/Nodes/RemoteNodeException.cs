namespace ActorGrad.Protocol.Nodes;

/// <summary>
/// An exception that happened in another process, as a message (<see cref="ForwardFailed"/>, <see cref="PassFailed"/>)
/// carried it: the original type's name, message and stack trace, and the same for its inner exceptions.
/// The receiver never instantiates a type named on the wire; it gets this instead.
/// </summary>
public sealed class RemoteNodeException : Exception
{
    public RemoteNodeException(string remoteTypeName, string message, string? remoteStackTrace = null, RemoteNodeException? inner = null)
        : base(message, inner)
    {
        ArgumentNullException.ThrowIfNull(remoteTypeName);
        RemoteTypeName = remoteTypeName;
        RemoteStackTrace = remoteStackTrace;
    }

    /// <summary>The full name of the exception's type in the process that threw it, e.g. "System.ArgumentException".</summary>
    public string RemoteTypeName { get; }

    /// <summary>The stack trace in the process that threw it, if it had one.</summary>
    public string? RemoteStackTrace { get; }

    public override string ToString()
    {
        var text = $"{nameof(RemoteNodeException)} (remote {RemoteTypeName}): {Message}";
        if (InnerException is not null) text += $" ---> {InnerException}";
        if (RemoteStackTrace is not null) text += Environment.NewLine + RemoteStackTrace;
        return text;
    }
}
