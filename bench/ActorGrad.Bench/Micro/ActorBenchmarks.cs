using ActorGrad.Engine.Actors;
using BenchmarkDotNet.Attributes;

namespace ActorGrad.Bench.Micro;

/// <summary>A message through a chain of 1000 actors (one at a time and pipelined), a ping-pong round trip, spawn and stop.</summary>
[MemoryDiagnoser]
public class ActorBenchmarks
{
    private const int ChainLength = 1000;
    private const int Pipelined = 100;
    private ActorSystem _system = null!;
    private IActorRef _head = null!, _pong = null!;
    private CountdownEvent _done = null!;

    [Params("thread-pool", "calling-thread")]
    public string Dispatcher { get; set; } = "thread-pool";

    private MessageDispatcher Chosen => Dispatcher == "thread-pool" ? Dispatchers.Default : Dispatchers.CallingThread;

    [GlobalSetup]
    public void Setup()
    {
        _system = ActorSystem.Create("bench", new ActorSystemSettings { ConsoleLogLevel = null });
        _done = new CountdownEvent(1);
        IActorRef? next = null;
        for (var i = 0; i < ChainLength; i++)
        {
            var n = next;
            var last = i == 0 ? _done : null;
            next = _system.ActorOf(Props.Create(() => new HopActor(n, last)).WithDispatcher(Chosen));
        }
        _head = next!;
        _pong = _system.ActorOf(Props.Create<PongActor>().WithDispatcher(Chosen));
    }

    [GlobalCleanup]
    public void Cleanup() => _system.DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>One message through all 1000 actors; divide by 1000 for a hop.</summary>
    [Benchmark]
    public void ChainOneAtATime()
    {
        _done.Reset(1);
        _head.Tell(1);
        _done.Wait();
    }

    /// <summary>100 messages in flight through the chain; divide by 100,000 for a hop.</summary>
    [Benchmark]
    public void ChainPipelined()
    {
        _done.Reset(Pipelined);
        for (var i = 0; i < Pipelined; i++) _head.Tell(i);
        _done.Wait();
    }

    [Benchmark]
    public int PingPong() => _pong.Ask<int>(1).GetAwaiter().GetResult();

    [Benchmark]
    public void SpawnAndStop()
    {
        var actor = _system.ActorOf(Props.Create<IdleActor>().WithDispatcher(Chosen));
        _system.Stop(actor);
    }
}
