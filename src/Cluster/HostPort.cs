using System.Net;

namespace ActorGrad.Cluster;

/// <summary>A HOST:PORT pair as an operator writes it (--seed 10.0.0.5:4051, [::1]:4051).</summary>
public readonly record struct HostPort(string Host, int Port)
{
    public static HostPort Parse(string text)
    {
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
            throw new FormatException($"'{text}' is not host:port.");
        var host = text[..colon].Trim('[', ']');
        if (!int.TryParse(text[(colon + 1)..], out var port) || port is < 1 or > 65535)
            throw new FormatException($"'{text}' is not host:port (the port must be 1..65535).");
        if (host.Length == 0) throw new FormatException($"'{text}' is not host:port (the host is empty).");
        return new HostPort(host, port);
    }

    /// <summary>True for localhost and loopback IP literals: traffic to such a host never leaves the machine.</summary>
    public static bool IsLoopback(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    public override string ToString() => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
