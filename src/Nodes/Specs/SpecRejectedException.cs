namespace ActorGrad.Nodes.Specs;

/// <summary>
/// A graph spec, or the values it was given, cannot run: the message names the node, its op, the input and the shapes.
/// Raised by <see cref="SpecValidator"/> before anything runs, so the member that checks it keeps serving.
/// </summary>
public sealed class SpecRejectedException : Exception
{
    public SpecRejectedException(string message, int? node = null, string? op = null, Exception? inner = null)
        : base(message, inner)
    {
        Node = node;
        Op = op;
    }

    /// <summary>The index of the offending node, when a node is at fault.</summary>
    public int? Node { get; }
    /// <summary>The op of the offending node, when it has a known name.</summary>
    public string? Op { get; }
}
