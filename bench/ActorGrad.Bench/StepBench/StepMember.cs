using System.Globalization;
using ActorGrad.Cluster;
using ActorGrad.Cluster.Gradients;
using ActorGrad.Cluster.Lanes;
using ActorGrad.Cluster.Metrics;
using ActorGrad.Protocol.Tensors;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using AkkaCluster = Akka.Cluster.Cluster;

namespace ActorGrad.Bench.StepBench;

/// <summary>Replies to every byte[] with its length over Akka.Remote (a small message): the lane's cost per message and per byte.</summary>
internal sealed class EchoActor : ReceiveActor
{
    public const string Name = "step-echo";

    public EchoActor() => Receive<byte[]>(b => Sender.Tell(b.Length));
}

/// <summary>
/// A worker member of the step benchmark in a process of its own (`steps --member [--seed HOST:PORT]`, started by
/// `steps`): role worker with the gradient service, as `actorgrad node` hosts it, on 127.0.0.1 (plain lane on
/// loopback). Prints "READY HOST:PORT" once Up; then answers "stats" with "STATS bytesSent messagesSent bytesReceived
/// messagesReceived" of its tensor lane and its <see cref="ProcessCounters"/>, and exits on "quit" or at the end of its stdin.
/// </summary>
internal static class StepMember
{
    public const string ReadyPrefix = "READY ";
    public const string StatsPrefix = "STATS ";
    public const string TimelinePrefix = "TIMELINE ";

    public static int Run(string[] args)
    {
        var options = new ClusterMemberOptions { Port = 0 };
        for (var i = 0; i + 1 < args.Length; i += 2)
            switch (args[i])
            {
                case "--seed": options.Seeds.Add(args[i + 1]); break;
                default: throw new ArgumentException($"steps --member: unknown argument '{args[i]}'.");
            }
        options.Roles.Add(GradientRoles.Worker);
        // As `actorgrad node` binds it (--member-env ACTORGRAD_Node__ComputeThreads=N): the threads of one shard pass.
        if (Environment.GetEnvironmentVariable("ACTORGRAD_Node__ComputeThreads") is { Length: > 0 } threads)
            options.ComputeThreads = int.Parse(threads, CultureInfo.InvariantCulture);
        var settings = options.Validate();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddClusterMember(settings, (akka, _) =>
        {
            akka.ConfigureLoggers(l => l.LogLevel = Akka.Event.LogLevel.WarningLevel);
            akka.WithGradientService(computeThreads: settings.ComputeThreads);
            akka.WithActors((system, _) => system.ActorOf(Props.Create(() => new EchoActor()), EchoActor.Name));
        });
        ProcessCounters.ListenToPasses();
        using var jit = Environment.GetEnvironmentVariable("ACTORGRAD_STEP_JITLOG") == "1" ? new JitLog() : null;
        using var host = builder.Build();
        host.Start();
        try
        {
            var system = host.Services.GetRequiredService<ActorSystem>();
            var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            AkkaCluster.Get(system).RegisterOnMemberUp(() => up.TrySetResult());
            if (!up.Task.Wait(TimeSpan.FromSeconds(60))) throw new TimeoutException("steps --member: not Up within 60 s.");
            var lane = TensorLane.Get(system);
            var self = AkkaCluster.Get(system).SelfAddress;
            Console.WriteLine($"{ReadyPrefix}{self.Host}:{self.Port}");
            Console.Out.Flush();
            string? line;
            while ((line = Console.ReadLine()) is not null && line != "quit")
                if (line == "stats")
                {
                    if (jit is not null) Console.Error.WriteLine($"JIT since the last stats: {jit.TakeTop(25)}");
                    if (TensorPoolMisses.Enabled) Console.Error.WriteLine($"since the last stats: {TensorPoolMisses.Take(12)}");
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{StatsPrefix}{lane.BytesSent} {lane.MessagesSent} {lane.BytesReceived} {lane.MessagesReceived} {ProcessCounters.Now().ToWire()}"));
                    Console.Out.Flush();
                }
                else if (line == "timeline")
                {
                    Console.WriteLine(TimelinePrefix + TimelineReport.ToWire(StepTimeline.Take()));
                    Console.Out.Flush();
                }
            return 0;
        }
        finally
        {
            host.StopAsync().Wait(TimeSpan.FromSeconds(10));
        }
    }
}
