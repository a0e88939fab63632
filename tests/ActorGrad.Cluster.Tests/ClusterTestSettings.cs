using System.Text;
using ActorGrad.Engine.Actors;
using ActorGrad.Engine.Cluster;

namespace ActorGrad.Cluster.Tests;

/// <summary>Fast clocks for tests; the failure-detection bounds below are upper bounds, never sleeps.</summary>
internal static class ClusterTestSettings
{
    public static readonly byte[] Secret = Encoding.UTF8.GetBytes("test-secret-of-the-cluster");

    public static ClusterSettings Fast(string name, params string[] seeds) => new()
    {
        SystemName = name,
        Secret = Secret,
        Seeds = seeds,
        HeartbeatInterval = TimeSpan.FromMilliseconds(100),
        GossipInterval = TimeSpan.FromMilliseconds(100),
        AcceptableHeartbeatPause = TimeSpan.FromMilliseconds(600),
        DownUnreachableAfter = TimeSpan.FromSeconds(1),
        RemoveDownAfter = TimeSpan.FromMilliseconds(200),
    };

    public static readonly ActorSystemSettings Quiet = new() { ConsoleLogLevel = null };

    /// <summary>Upper bound for anything cluster-shaped to happen on a loaded 2-core machine.</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    public static async Task WaitUntil(Func<bool> condition, string what, TimeSpan? max = null)
    {
        var deadline = DateTime.UtcNow + (max ?? Bound);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out after {(max ?? Bound).TotalSeconds:0} s waiting until {what}.");
            await Task.Delay(20);
        }
    }
}

/// <summary>Replies with what it receives; fails the Ask for "fail"; stops itself on "stop".</summary>
internal sealed class EchoActor : ReceiveActor
{
    public EchoActor()
    {
        Receive<string>(s => s == "fail", _ => Sender.Tell(new Status.Failure(new InvalidOperationException("asked to fail")), Self));
        Receive<string>(s => s == "stop", _ => Context.Stop(Self));
        ReceiveAny(m => Sender.Tell(m, Self));
    }
}
