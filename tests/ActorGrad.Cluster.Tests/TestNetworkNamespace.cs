using System.Diagnostics;
using System.Net.NetworkInformation;

namespace ActorGrad.Cluster.Tests;

/// <summary>
/// A network namespace of the test's own, joined to this one by a veth pair with a private /30 in 10.213.0.0/16 that
/// nothing else uses: <see cref="HostAddress"/> on this side, <see cref="InnerAddress"/> inside. <see cref="CutOffAsync"/>
/// drops every packet in and out of the namespace with an nftables table that lives in the namespace only.
/// Disposal deletes the table, the veth pair and the namespace, whatever happened before. Names are unique per run.
/// </summary>
internal sealed class TestNetworkNamespace : IAsyncDisposable
{
    private const string Table = "actorgrad_cut";
    private readonly string _hostLink;

    private TestNetworkNamespace(string name, string hostLink, string hostAddress, string innerAddress)
    {
        Name = name;
        _hostLink = hostLink;
        HostAddress = hostAddress;
        InnerAddress = innerAddress;
    }

    public string Name { get; }
    public string HostAddress { get; }
    public string InnerAddress { get; }

    /// <summary>Why this machine cannot run the test (not root, no `ip`, no `nft`), or null when it can.</summary>
    public static string? Unavailable()
    {
        if (!OperatingSystem.IsLinux()) return "network namespaces are Linux's";
        if (!Environment.IsPrivilegedProcess) return "creating a network namespace needs root";
        foreach (var tool in (string[])["ip", "nft"])
            if (!OnPath(tool)) return $"the '{tool}' command is not installed (apt-get install -y {(tool == "nft" ? "nftables" : "iproute2")})";
        return null;
    }

    public static async Task<TestNetworkNamespace> CreateAsync()
    {
        var id = $"{Environment.ProcessId % 10000:x}{Random.Shared.Next(0x10000):x4}";
        // A /30 of 10.213.0.0/16 that no interface of this machine has yet (another run's, say).
        var used = NetworkInterface.GetAllNetworkInterfaces().SelectMany(i => i.GetIPProperties().UnicastAddresses).Select(a => a.Address.ToString()).ToHashSet();
        string hostAddress, innerAddress;
        do
        {
            var block = Random.Shared.Next(256 * 64) * 4;
            hostAddress = $"10.213.{block / 256}.{block % 256 + 1}";
            innerAddress = $"10.213.{block / 256}.{block % 256 + 2}";
        } while (used.Contains(hostAddress) || used.Contains(innerAddress));

        var ns = new TestNetworkNamespace($"actorgrad-{id}", $"agh{id}", hostAddress, innerAddress);
        var innerLink = $"agn{id}";
        try
        {
            await Run("ip", "netns", "add", ns.Name);
            await Run("ip", "link", "add", ns._hostLink, "type", "veth", "peer", "name", innerLink);
            await Run("ip", "link", "set", innerLink, "netns", ns.Name);
            await Run("ip", "addr", "add", $"{hostAddress}/30", "dev", ns._hostLink);
            await Run("ip", "link", "set", ns._hostLink, "up");
            await ns.Inside("ip", "addr", "add", $"{innerAddress}/30", "dev", innerLink);
            await ns.Inside("ip", "link", "set", innerLink, "up");
            await ns.Inside("ip", "link", "set", "lo", "up");
        }
        catch
        {
            await ns.DisposeAsync();
            throw;
        }
        return ns;
    }

    /// <summary>From now on no packet enters or leaves the namespace (nothing is rejected: the peers just hear nothing).</summary>
    public async Task CutOffAsync()
    {
        await Inside("nft", "add", "table", "inet", Table);
        await Inside("nft", "add chain inet " + Table + " in { type filter hook input priority 0 ; policy drop ; }");
        await Inside("nft", "add chain inet " + Table + " out { type filter hook output priority 0 ; policy drop ; }");
    }

    private Task Inside(params string[] command) => Run(["ip", "netns", "exec", Name, .. command]);

    public async ValueTask DisposeAsync()
    {
        // Each step on its own: one that fails (never created) must not keep the others from running.
        await TryRun("ip", "netns", "exec", Name, "nft", "delete", "table", "inet", Table);
        await TryRun("ip", "link", "delete", _hostLink); // deletes both ends of the pair
        await TryRun("ip", "netns", "delete", Name);
    }

    private static async Task TryRun(params string[] command)
    {
        try { await Run(command); }
        catch (InvalidOperationException) { /* not there (never created, or gone with the namespace) */ }
    }

    private static async Task Run(params string[] command)
    {
        var info = new ProcessStartInfo(command[0]) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in command.Skip(1)) info.ArgumentList.Add(a);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {command[0]}");
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        using var bound = new CancellationTokenSource(ClusterTestSettings.Bound);
        await process.WaitForExitAsync(bound.Token);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"'{string.Join(' ', command)}' failed (exit {process.ExitCode}): {(await error).Trim()}");
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Concat(["/usr/sbin", "/sbin"])
            .Any(dir => dir.Length > 0 && File.Exists(Path.Combine(dir, tool)));
}
