namespace ActorGrad.Nodes;

/// <summary>Restores a session flag when disposed; scopes nest.</summary>
internal sealed class FlagScope(Action restore) : IDisposable
{
    private Action? _restore = restore;
    public void Dispose() => Interlocked.Exchange(ref _restore, null)?.Invoke();
}
