using System.Net;
using System.Net.Sockets;

namespace ActorGrad.Deploy.Tests;

/// <summary>Loopback ports no one listens on now (a range for the script, single ones for a node).</summary>
internal static class FreePorts
{
    private static int s_next = 20000 + Environment.ProcessId % 20000;

    /// <summary>The first of <paramref name="count"/> consecutive free ports, each probed by binding it.</summary>
    public static int Range(int count)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var first = Interlocked.Add(ref s_next, count + 7) - count - 7;
            if (first + count > 64000) Interlocked.Exchange(ref s_next, 20000);
            if (Enumerable.Range(first, count).All(IsFree)) return first;
        }
        throw new InvalidOperationException($"No {count} consecutive free ports found on 127.0.0.1.");
    }

    public static int One() => Range(1);

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
