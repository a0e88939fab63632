using System.Diagnostics;
using Akka.Actor;
using Xunit.Abstractions;
using static ActorGrad.Cluster.Tests.ClusterTestSettings;

namespace ActorGrad.Cluster.Tests;

/// <summary>
/// Small-message Tells and Ask round trips between this process and a node process. The test checks
/// what Akka promises (every message arrives, in order per sender-receiver pair); the rates it prints
/// are measurements for the report, never asserted.
/// </summary>
public sealed class MessagingMeasurementTests(ITestOutputHelper output) : ClusterTest(output)
{
    private const int Tells = 20_000;
    private const int Asks = 1_000;
    private readonly string _dir = Directory.CreateTempSubdirectory("actorgrad-measure-").FullName;

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Theory]
    [InlineData("plain TCP")]
    [InlineData("mutual TLS")]
    public async Task Tells_arrive_in_order_across_processes_and_asks_round_trip(string transport)
    {
        var certificates = transport == "mutual TLS" ? new TestCertificates(_dir, "ca") : null;
        var a = await StartNode("a", extra: certificates?.NodeArgs("a"));
        var tester = await StartTester(a, certificates?.Tester("tester"));
        var echo = await tester.EchoOf(a);
        for (var i = 0; i < 200; i++) await echo.Ask<int>(i, Bound); // warm up both JITs and the association

        var done = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        var counter = tester.System.ActorOf(Props.Create(() => new InOrderCounter(Tells, done)));
        for (var i = 0; i < Tells; i++) echo.Tell(i, counter);
        var elapsed = await done.Task.WaitAsync(Bound * 3);
        Output.WriteLine($"{transport}: Tell: {Tells} ints to the echo on another process and back in {elapsed.TotalMilliseconds:0} ms: " +
                         $"{Tells / elapsed.TotalSeconds:0} round trips/s ({2 * Tells / elapsed.TotalSeconds:0} remote messages/s)");

        var samples = new double[Asks];
        for (var i = 0; i < Asks; i++)
        {
            var start = Stopwatch.GetTimestamp();
            Assert.Equal(i, await echo.Ask<int>(i, Bound));
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }
        Array.Sort(samples);
        Output.WriteLine($"{transport}: Ask: {Asks} sequential round trips: mean {samples.Average():0} us, p50 {samples[Asks / 2]:0} us, p99 {samples[Asks * 99 / 100]:0} us");
    }

    /// <summary>Counts echoed ints; fails on the first one out of order; completes with the elapsed time at the last.</summary>
    private sealed class InOrderCounter : ReceiveActor
    {
        public InOrderCounter(int expected, TaskCompletionSource<TimeSpan> done)
        {
            var clock = Stopwatch.StartNew();
                var next = 0;
            Receive<int>(i =>
            {
                if (i != next) done.TrySetException(new InvalidOperationException($"message {i} arrived where {next} was due"));
                next = i + 1;
                if (next == expected) done.TrySetResult(clock.Elapsed);
            });
        }
    }
}
