using System.Net;
using ActorGrad.Cluster.Management;

namespace ActorGrad.Deploy.Tests;

/// <summary>
/// Two `actorgrad node` processes that know each other only by a host name, as the Kubernetes members do (each
/// advertises its pod's DNS name, the seeds are pods 0 and 1 by name): here "localhost" on loopback.
/// </summary>
public class HostNameClusterTests
{
    [Fact]
    public async Task MembersAdvertisingANameFormAClusterThroughASeedOfThatName()
    {
        var (seedPort, seedHealth, port, health) = (FreePorts.One(), FreePorts.One(), FreePorts.One(), FreePorts.One());
        // Both seeds listed in both members, as in deploy/k8s: the first forms the cluster, the second joins it.
        string[] seeds = ["--seed", $"localhost:{seedPort}", "--seed", $"localhost:{port}"];
        using var first = new ChildProcess("dotnet", [Repo.CliAssembly, "node", "--host", "127.0.0.1", "--public-host", "localhost",
            "--port", $"{seedPort}", "--management-port", $"{seedHealth}", .. seeds]);
        using var second = new ChildProcess("dotnet", [Repo.CliAssembly, "node", "--host", "127.0.0.1", "--public-host", "localhost",
            "--port", $"{port}", "--management-port", $"{health}", .. seeds]);

        // The second seed never forms a cluster of its own: it is Up only once it joined the first, by its name.
        await NodeEndpointsTests.PollAsync($"http://127.0.0.1:{health}{ClusterHealth.ReadyPath}", second, code => code == HttpStatusCode.OK);
        await NodeEndpointsTests.PollAsync($"http://127.0.0.1:{seedHealth}{ClusterHealth.ReadyPath}", first, code => code == HttpStatusCode.OK);
        Assert.Contains($"akka.tcp://actorgrad@localhost:{seedPort}", first.Output);
        Assert.Contains($"akka.tcp://actorgrad@localhost:{port}", second.Output);
    }
}
