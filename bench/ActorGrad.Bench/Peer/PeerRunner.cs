using System.Globalization;

namespace ActorGrad.Bench.Peer;

/// <summary>Runs the peer workloads (all, or those named) and prints NAME&lt;TAB&gt;MICROSECONDS lines.</summary>
internal static class PeerRunner
{
    public static int Run(string[] names)
    {
        using var workloads = new PeerWorkloads();
        var all = workloads.All();
        var unknown = names.Except(all.Select(w => w.Name)).ToArray();
        if (unknown.Length > 0)
        {
            Console.Error.WriteLine($"unknown workload(s): {string.Join(", ", unknown)}; known: {string.Join(", ", all.Select(w => w.Name))}");
            return 2;
        }
        foreach (var (name, iteration) in all)
        {
            if (names.Length > 0 && !names.Contains(name)) continue;
            var us = PeerTimer.MedianMicroseconds(iteration);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}\t{us:F1}"));
        }
        return 0;
    }
}
