using System.Text;

namespace ActorGrad.Engine.Actors;

/// <summary>Where an actor system lives: its name, and host and port when it is reachable remotely.</summary>
public sealed record ActorAddress(string System, string? Host = null, int? Port = null)
{
    public const string Scheme = "actorgrad";
    public bool IsLocal => Host is null;
    public override string ToString() => Host is null ? $"{Scheme}://{System}" : $"{Scheme}://{System}@{Host}:{Port}";
}

/// <summary>
/// An actor's address and name chain plus the uid of this incarnation (a restarted member or a
/// re-created actor at the same path gets a new uid). The string form is built lazily: spawning
/// is on the autograd hot path and most paths are never printed.
/// </summary>
public sealed class ActorPath : IEquatable<ActorPath>
{
    private string? _text;
    private string? _textWithUid;

    private ActorPath(ActorAddress address, ActorPath? parent, string name, long uid)
    {
        Address = address;
        Parent = parent;
        Name = name;
        Uid = uid;
    }

    public ActorAddress Address { get; }
    public ActorPath? Parent { get; }
    public string Name { get; }
    /// <summary>0 when unknown (a path parsed from text), else this incarnation's unique id.</summary>
    public long Uid { get; }

    public static ActorPath Root(ActorAddress address) => new(address, null, "", 0);

    public ActorPath Child(string name, long uid = 0) => new(Address, this, name, uid);

    public ActorPath WithUid(long uid) => new(Address, Parent, Name, uid);

    /// <summary>The names from the root down, e.g. ["user", "a", "b"].</summary>
    public IReadOnlyList<string> Elements
    {
        get
        {
            var list = new List<string>();
            for (var p = this; p.Parent is not null; p = p.Parent) list.Add(p.Name);
            list.Reverse();
            return list;
        }
    }

    /// <summary>The path without its address, e.g. "/user/a/b".</summary>
    public string ToStringWithoutAddress()
    {
        if (Parent is null) return "/";
        var sb = new StringBuilder();
        foreach (var e in Elements) sb.Append('/').Append(e);
        return sb.ToString();
    }

    public override string ToString() => _text ??= Address + ToStringWithoutAddress();

    /// <summary>The full path with its uid, "actorgrad://sys@host:port/a/b#uid" (made once: it goes into every remote envelope).</summary>
    public string ToStringWithUid() => _textWithUid ??= Uid == 0 ? ToString() : $"{this}#{Uid}";

    /// <summary>Parses "actorgrad://system[@host:port]/a/b[#uid]".</summary>
    public static ActorPath Parse(string text)
    {
        if (!TryParse(text, out var path, out var error)) throw new FormatException($"Not an actor path: '{text}' ({error}).");
        return path;
    }

    public static bool TryParse(string text, out ActorPath path, out string error)
    {
        path = null!;
        var prefix = ActorAddress.Scheme + "://";
        if (string.IsNullOrEmpty(text) || !text.StartsWith(prefix, StringComparison.Ordinal)) { error = $"it must start with {prefix}"; return false; }
        var rest = text[prefix.Length..];
        long uid = 0;
        var hash = rest.IndexOf('#');
        if (hash >= 0)
        {
            if (!long.TryParse(rest[(hash + 1)..], out uid)) { error = "the uid after # is not a number"; return false; }
            rest = rest[..hash];
        }
        var slash = rest.IndexOf('/');
        var authority = slash < 0 ? rest : rest[..slash];
        var elements = slash < 0 ? [] : rest[(slash + 1)..].Split('/', StringSplitOptions.RemoveEmptyEntries);
        ActorAddress address;
        var at = authority.IndexOf('@');
        if (at < 0) address = new ActorAddress(authority);
        else
        {
            var hostPort = authority[(at + 1)..];
            var colon = hostPort.LastIndexOf(':');
            if (colon < 0 || !int.TryParse(hostPort[(colon + 1)..], out var port) || port is < 0 or > 65535) { error = "host:port is malformed"; return false; }
            address = new ActorAddress(authority[..at], hostPort[..colon], port);
        }
        if (address.System.Length == 0) { error = "the system name is empty"; return false; }
        var p = Root(address);
        for (var i = 0; i < elements.Length; i++) p = p.Child(elements[i], i == elements.Length - 1 ? uid : 0);
        path = p;
        error = "";
        return true;
    }

    public bool Equals(ActorPath? other) =>
        other is not null && (ReferenceEquals(this, other) || (Uid == other.Uid && ToString() == other.ToString()));

    public override bool Equals(object? obj) => Equals(obj as ActorPath);
    public override int GetHashCode() => HashCode.Combine(Uid, Name);
}
