using ActorGrad.Protocol.Wire;

namespace ActorGrad.Engine.Cluster;

/// <summary>
/// One incarnation of a member: where it listens and its uid. A restarted process at the same host
/// and port is a new member with a new uid.
/// </summary>
public sealed record MemberAddress(string System, string Host, int Port, ulong Uid)
{
    /// <summary>The listening address without the uid: what associations are keyed by.</summary>
    public string HostPort => $"{Host}:{Port}";

    public Actors.ActorAddress ActorAddress => new(System, Host, Port);

    internal UniqueAddress ToWire() => new() { System = System, Host = Host, Port = Port, Uid = Uid };

    internal static MemberAddress FromWire(UniqueAddress a) => new(a.System, a.Host, a.Port, a.Uid);

    /// <summary>Akka orders members by address for leader election; so do we (uid last).</summary>
    internal static int Compare(MemberAddress a, MemberAddress b)
    {
        var c = string.CompareOrdinal(a.Host, b.Host);
        if (c == 0) c = a.Port.CompareTo(b.Port);
        return c != 0 ? c : a.Uid.CompareTo(b.Uid);
    }

    public override string ToString() => $"{Actors.ActorAddress.Scheme}://{System}@{Host}:{Port}#{Uid}";
}
