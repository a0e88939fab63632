using System.Net;
using System.Text.RegularExpressions;

namespace ActorGrad.Cluster;

/// <summary>A HOST:PORT pair as an operator writes it (--seed 10.0.0.5:4051, [::1]:4051, actorgrad-0.actorgrad:4051).</summary>
public readonly partial record struct HostPort(string Host, int Port)
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
        if (ProblemWith(host) is { } problem) throw new FormatException($"'{text}' is not host:port: {problem}.");
        return new HostPort(host, port);
    }

    /// <summary>
    /// Why <paramref name="host"/> is neither an IP address nor a DNS name (letters, digits, '-' and '_' in
    /// dot-separated labels of at most 63 characters, 253 in all), or null when it is one. Names are accepted as
    /// written: Akka.Remote and the tensor lane resolve them when they connect, so a pod's DNS name may be a seed
    /// before the pod exists.
    /// </summary>
    public static string? ProblemWith(string host)
    {
        // Kubernetes leaves $(NAME) as written when NAME is not a variable of the container: the commonest way a
        // manifest hands a member a host that cannot be one.
        if (host.Contains("$(", StringComparison.Ordinal))
            return $"'{host}' holds an unexpanded $(VARIABLE) (Kubernetes keeps it as written when the container has no such env variable)";
        if (IPAddress.TryParse(host.Trim('[', ']'), out _)) return null;
        if (host.Length > 253 || !HostNamePattern().IsMatch(host))
            return $"'{host}' is neither an IP address nor a host name (letters, digits, '-' and '_' in dot-separated labels of 1..63 characters)";
        return null;
    }

    /// <summary>True for localhost and loopback IP literals: traffic to such a host never leaves the machine.</summary>
    public static bool IsLoopback(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    /// <summary>True for 0.0.0.0 and ::, which a member may listen on but nobody can reach it at.</summary>
    public static bool IsUnspecified(string host) =>
        IPAddress.TryParse(host.Trim('[', ']'), out var ip) && (ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any));

    public override string ToString() => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";

    // A label neither starts nor ends with '-'. '_' is not RFC 1123, but Docker's DNS serves such names (compose services).
    [GeneratedRegex(@"^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9_-]{1,63}(?<!-))*$")]
    private static partial Regex HostNamePattern();
}
