using ActorGrad.Protocol.Nodes;

namespace ActorGrad.Nodes.Graph;

/// <summary>
/// Asks a node for its kept gradient itself, not a copy: the reply (a <see cref="GradReply"/>) hands it over and the
/// node keeps none. In-process only (SpecRunner's result takes its gradients this way), so never on the wire.
/// </summary>
internal sealed record TakeGrad;

/// <summary>
/// One shared instance of each message that carries nothing: records are immutable, so sending the
/// same instance is the same message, without an allocation on every node's lifecycle.
/// </summary>
internal static class Signals
{
    public static readonly Unsubscribe Unsubscribe = new();
    public static readonly HandleReleased HandleReleased = new();
    public static readonly ZeroGrad ZeroGrad = new();
    public static readonly GradRequest GradRequest = new();
    public static readonly TakeGrad TakeGrad = new();
    public static readonly ValueRequest ValueRequest = new();
    public static readonly RetainGrad RetainGrad = new();
    private static readonly Subscribe[] Registrations = [new(0, false), new(1, false), new(2, false), new(3, false)];
    private static readonly Subscribe[] Requests = [new(0), new(1), new(2), new(3)];

    /// <summary>A Subscribe for input <paramref name="slot"/> (shared for the first few slots).</summary>
    public static Subscribe Subscribe(int slot, bool sendValue)
    {
        var cache = sendValue ? Requests : Registrations;
        return slot < cache.Length ? cache[slot] : new Subscribe(slot, sendValue);
    }
}
