using System.Diagnostics;
using System.Runtime.CompilerServices;
using ActorGrad.Engine.Actors;
using ActorGrad.TestKit;

namespace ActorGrad.Engine.Tests.Actors;

/// <summary>
/// The thread-pool dispatcher puts a newly runnable mailbox on the worker's local queue, which a worker
/// drains before the global queue. Actors that keep each other busy forever must still leave room for
/// the rest: an Ask from outside, a timer's continuation and other pool work all get through.
/// </summary>
public class DispatcherFairnessTests : TestKit.TestKit
{
    /// <summary>Sends the ball back to whoever sent it, until told to stop (a shared flag).</summary>
    private sealed class Rally(StrongBox<bool> stop) : ActorBase
    {
        protected override void OnReceive(object message)
        {
            if (message is "ball" && !Volatile.Read(ref stop.Value)) Sender.Tell("ball", Self);
        }
    }

    [Fact]
    public async Task Actors_that_keep_each_other_busy_do_not_starve_other_work()
    {
        var stop = new StrongBox<bool>(false);
        try
        {
            // More rallies than workers: every worker's local queue always holds a runnable mailbox.
            for (var i = 0; i < 4 * Environment.ProcessorCount; i++)
            {
                var a = Sys.ActorOf(Props.Create(() => new Rally(stop)));
                var b = Sys.ActorOf(Props.Create(() => new Rally(stop)));
                a.Tell("ball", b);
            }
            var echo = Sys.ActorOf(Props.Create<EchoActor>());
            var bound = TestKitSettings.Dilated(TimeSpan.FromSeconds(5));
            for (var round = 0; round < 20; round++)
            {
                var clock = Stopwatch.StartNew();
                Assert.Equal(round, await echo.Ask<int>(round, bound));
                await Task.Delay(1).WaitAsync(bound);
                await Task.Run(() => round).WaitAsync(bound);
                Assert.True(clock.Elapsed < bound, $"round {round} took {clock.Elapsed}");
            }
        }
        finally
        {
            Volatile.Write(ref stop.Value, true);
        }
    }
}
