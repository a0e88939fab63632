using System.Diagnostics;
using System.Globalization;
using ActorGrad.Cluster;
using ActorGrad.Cluster.Gradients;
using ActorGrad.Cluster.Lanes;
using ActorGrad.Cluster.Metrics;
using ActorGrad.Cluster.Training;
using ActorGrad.Protocol.Gradients;
using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes.Specs;
using ActorGrad.Protocol.Tensors;
using Akka.Actor;
using AkkaCluster = Akka.Cluster.Cluster;

namespace ActorGrad.Bench.StepBench;

/// <summary>
/// `steps [--steps N] [--warmup N] [--members N] [--min-members N] [--member-env NAME=VALUE]`: a gradient step of the 784-512-512-10 MLP, batch 1024, 8 shards, in-process
/// (SpecRunner on the whole batch in one Session) and on 1, 2 and 3 worker members, each a `steps --member` process
/// on 127.0.0.1, with this process as the job's client. Prints the median step times, the tensor-lane bytes per step
/// of every process against the minimum, the lane's cost per message and per byte, the compute per shard, and a
/// MODEL line that bench/extrapolate_steps.py reads.
/// </summary>
internal static class StepBenchmark
{
    private const int Examples = 1024, Shards = 8, MaxMembers = 3;
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(50);

    public static int Run(string[] args)
    {
        if (args.Length > 0 && args[0] == "--member") return StepMember.Run(args[1..]);
        ProcessCounters.ListenToPasses();
        // Warm-up: a member's JIT keeps promoting methods (tier 0, instrumented, tier 1) for about a hundred steps, on
        // the same two cores; a training run lasts thousands of steps, so the steady state is the figure to report.
        int steps = 15, warmup = 100, maxMembers = MaxMembers, minMembers = 1;
        for (var i = 0; i + 1 < args.Length; i += 2)
            switch (args[i])
            {
                case "--steps": steps = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--warmup": warmup = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--members": maxMembers = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--min-members": minMembers = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--member-env" when args[i + 1].IndexOf('=') > 0:
                    StepMemberProcess.Environment[args[i + 1][..args[i + 1].IndexOf('=')]] = args[i + 1][(args[i + 1].IndexOf('=') + 1)..];
                    break;
                default: throw new ArgumentException($"steps: unknown argument '{args[i]}' (steps [--steps N] [--warmup N] [--members N] [--min-members N] [--member-env NAME=VALUE]...).");
            }
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        // The timeline needs every process's marks: the members get the setting of the bench's own process.
        if (StepTimeline.Enabled) StepMemberProcess.Environment["ACTORGRAD_STEP_TIMELINE"] = "1";
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMembers, 1);
        return RunAsync(steps, warmup, maxMembers, minMembers).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(int steps, int warmup, int maxMembers, int minMembers)
    {
        var spec = StepMlp.Spec();
        var parameters = StepMlp.Parameters(seed: 1).ToDictionary(p => p.Name, p => p.Value);
        var batch = StepMlp.Batch(Examples, seed: 2);
        var job = new GradientJob(spec, parameters, batch, Shards);
        var parameterBytes = 4L * parameters.Values.Sum(t => (long)t.Length);
        var batchBytes = 4L * batch.Values.Sum(t => (long)t.Length);
        Console.WriteLine($"784-512-512-10 MLP, batch {Examples}, {Shards} shards; parameters {parameterBytes:N0} B, batch {batchBytes:N0} B; " +
                          $"{Environment.ProcessorCount} cores; warm-up {warmup}, median of {steps} steps");

        float inProcessLoss = 0;
        var inProcess = Median(warmup, steps, () =>
        {
            using var session = new ActorGrad.Nodes.Session();
            inProcessLoss = SpecRunner.Run(session, spec, parameters, batch).Loss;
        });
        var sgd = OptimizerSettings.Sgd(0.01f);
        var batches = new MiniBatches(spec, batch);
        var trainingState = InProcessTraining.Initial(spec, parameters, sgd);
        var inProcessTraining = Median(warmup, steps, () =>
        {
            using var session = new ActorGrad.Nodes.Session();
            (_, trainingState) = InProcessTraining.Step(session, spec, trainingState, batches.For(trainingState.Step));
        });
        var shardBatch = StepMlp.Batch(Examples / Shards, seed: 3);
        var perShard = Median(warmup, steps, () =>
        {
            using var session = new ActorGrad.Nodes.Session();
            SpecRunner.Run(session, spec, parameters, shardBatch);
        });
        // The same shard on one thread: its CPU time, and what a member limited to one compute thread spends per pass.
        var perShardOneThread = Median(warmup, steps, () =>
        {
            using var limit = ComputeThreads.Limit(1);
            using var session = new ActorGrad.Nodes.Session();
            SpecRunner.Run(session, spec, parameters, shardBatch);
        });
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"in-process step: {inProcess * 1e3:0.0} ms (loss {inProcessLoss:0.000000}); one shard of {Examples / Shards} in-process: {perShard * 1e3:0.0} ms, on one thread {perShardOneThread * 1e3:0.0} ms"));

        var members = new List<StepMemberProcess>();
        GradientClient? client = null;
        var rows = new List<string>();
        var breakdown = new List<string>();
        double perMessage = double.NaN, perByte = double.NaN, encode = double.NaN, decode = double.NaN;
        try
        {
            members.Add(StepMemberProcess.Start(null));
            client = await GradientClient.JoinAsync(new ClusterMemberOptions { Port = 0, Seeds = [members[0].Address] }, TimeSpan.FromSeconds(60));
            var lane = TensorLane.Get(client.System);
            (perMessage, perByte) = await LaneCosts(client.System, lane);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"lane, client -> member (reply over Akka.Remote): {perMessage * 1e6:0} us per message (half a round trip of 64 B), {perByte * 1e9:0.00} ns per byte ({1 / perByte / 1e6:0} MB/s)"));
            (encode, decode) = SerializationCost(client.System, parameters["w1"]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"serialization (Akka's serializer for a BatchGradient of w1, {4L * parameters["w1"].Length:N0} B): {encode * 1e9:0.00} ns per byte to encode, {decode * 1e9:0.00} ns per byte to decode"));
            for (var n = 1; n <= maxMembers; n++)
            {
                if (n > 1) members.Add(StepMemberProcess.Start(members[0].Address));
                await client.WaitForWorkersAsync(n, TimeSpan.FromSeconds(60));
                if (n < minMembers) continue; // only started, for the larger clusters
                float loss = 0;
                var before = Traffic(lane, members);
                long clientRingBefore = 0, clientSentBefore = 0;
                if (TensorPoolMisses.Enabled) TensorPoolMisses.Take(0);
                var times = new double[steps];
                var jobIds = new List<string>(steps);
                var firstShard = new double[steps];
                var lastShard = new double[steps];
                var beside = new double[steps];
                ProcessCounters clientCost = default, besideCost = default;
                var memberCost = new ProcessCounters[n];
                var memberBeside = new ProcessCounters[n];
                // The warm-up runs the measured loop itself (its readings of every process's counters included, without
                // the pauses), so that the JIT has settled on all of it: code run only while measuring would otherwise be
                // compiled, instrumented and recompiled during the measured steps, on the members' tiering threads.
                for (var i = -warmup; i < steps; i++)
                {
                    if (i == 0)
                    {
                        clientRingBefore = lane.SharedMemoryBytesSent;
                        clientSentBefore = lane.BytesSent;
                        before = Traffic(lane, members);
                        (clientCost, besideCost) = (default, default);
                        Array.Clear(memberCost);
                        Array.Clear(memberBeside);
                        if (StepTimeline.Enabled)
                        {
                            StepTimeline.Take(); // the warm-up's marks
                            foreach (var m in members) m.Timeline();
                        }
                    }
                    var measured = i >= 0;
                    // The in-process step just before each cluster step: both see the same load on this shared machine.
                    // Each timed step starts on a quiet machine: what the previous step left (its members' clean-up, a
                    // collection) must not fall on the next one, whichever kind it is.
                    if (measured) await Task.Delay(Settle);
                    var membersAtStart = Traffic(lane, members).Members;
                    var besideBefore = ProcessCounters.Now();
                    var clock = Stopwatch.StartNew();
                    using (var session = new ActorGrad.Nodes.Session()) SpecRunner.Run(session, spec, parameters, batch);
                    var besideTime = clock.Elapsed.TotalSeconds;
                    besideCost += ProcessCounters.Now() - besideBefore;
                    var membersBetween = Traffic(lane, members).Members;
                    if (measured) await Task.Delay(Settle);
                    var membersBefore = Traffic(lane, members).Members;
                    var clientBefore = ProcessCounters.Now();
                    clock.Restart();
                    double first = double.NaN, last = 0;
                    // On the coordinator's thread, in order: when the first and the last shard reported done.
                    var result = await client.ComputeAsync(job, _ =>
                    {
                        last = clock.Elapsed.TotalSeconds;
                        if (double.IsNaN(first)) first = last;
                    });
                    var time = clock.Elapsed.TotalSeconds;
                    if (StepTimeline.Enabled) StepTimeline.Record(result.JobId, "bench: woke");
                    clientCost += ProcessCounters.Now() - clientBefore;
                    if (measured) await Task.Delay(Settle); // what the members do right after the step (its end, their clean-up) is the step's
                    var membersAfter = Traffic(lane, members).Members;
                    for (var k = 0; k < n; k++)
                    {
                        memberBeside[k] += membersBetween[k] - membersAtStart[k];
                        memberCost[k] += membersAfter[k] - membersBefore[k];
                    }
                    if (!measured)
                    {
                        Release(result);
                        continue;
                    }
                    (times[i], beside[i], firstShard[i], lastShard[i]) = (time, besideTime, first, last);
                    loss = result.Loss;
                    jobIds.Add(result.JobId);
                    Release(result);
                    if (result.Members != n) Console.Error.WriteLine($"warning: the step ran on {result.Members} member(s), not {n}");
                }
                var after = Traffic(lane, members);
                if (StepTimeline.Enabled)
                {
                    breakdown.Add($"  {n} member(s), the step's timeline (median from the client's submit over the {steps} steps; runN = the member holding the N-th run of shards):");
                    breakdown.AddRange(TimelineReport.Lines(jobIds, StepTimeline.Take(), [.. members.Select(m => (m.Address, m.Timeline()))]));
                }
                if (TensorPoolMisses.Enabled) breakdown.Add($"  client, over the {steps} steps and the in-process steps beside them: {TensorPoolMisses.Take(12)}");
                breakdown.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{n} member(s): first shard done at {MedianOf(firstShard) * 1e3:0.0} ms, last at {MedianOf(lastShard) * 1e3:0.0} ms, step ends at {MedianOf(times) * 1e3:0.0} ms (medians); " +
                    $"lane bytes read {(after.Received - before.Received) / (double)steps / 1e6:0.00} MB; expected lane bytes {Expected(n, parameterBytes, batchBytes) / 1e6:0.00} MB = PrepareJob {n} x P + batch + ChainSum {n - 1} x P + sums P"));
                breakdown.Add(string.Create(CultureInfo.InvariantCulture,
                    $"  client's lane: {(lane.BytesSent - clientSentBefore) / (double)steps / 1e6:0.00} MB written per step, {(lane.SharedMemoryBytesSent - clientRingBefore) / (double)steps / 1e6:0.00} MB of it through shared memory"));
                breakdown.Add($"  client, per in-process step beside: {besideCost.PerStep(steps)}");
                breakdown.Add($"  client, per cluster step: {clientCost.PerStep(steps)}");
                for (var k = 0; k < n; k++)
                    breakdown.Add($"  member {k + 1}, per cluster step (and {Settle.TotalMilliseconds:0} ms after it): {memberCost[k].PerStep(steps)}");
                for (var k = 0; k < n; k++)
                    breakdown.Add($"  member {k + 1}, meanwhile, during the in-process step beside: {memberBeside[k].PerStep(steps)}");
                Array.Sort(times);
                var median = times[steps / 2];
                var sent = (after.Bytes - before.Bytes) / (double)steps;
                var messages = (after.Messages - before.Messages) / (double)steps;
                // Each worker receives the parameters once and sends each gradient it contributes once (the owners'
                // sums to the client included: n*P in all), and the batch crosses once.
                var minimum = 2.0 * n * parameterBytes + batchBytes;
                rows.Add(string.Create(CultureInfo.InvariantCulture,
                    $"| {n} member(s), gradient | {median * 1e3,8:0.0} ms | {median / MedianOf(beside),5:0.00}x (in-process beside: {MedianOf(beside) * 1e3:0.0} ms) | {times[0] * 1e3:0.0}-{times[^1] * 1e3:0.0} ms | {sent / 1e6,7:0.00} MB | {minimum / 1e6,7:0.00} MB | {sent / minimum,5:0.00}x | {messages,5:0} | {loss:0.000000} |"));
            }
            // A training step with SGD on the last cluster: the owners step their parameters and send back the sums and the new values.
            var run = TrainingRun.Start(client, spec, parameters, batches, sgd, Shards);
            for (var i = 0; i < warmup; i++) await run.StepAsync();
            var trainingBefore = Traffic(lane, members);
            var trainingTimes = new double[steps];
            for (var i = 0; i < steps; i++) trainingTimes[i] = (await run.StepAsync()).Elapsed.TotalSeconds;
            var trainingAfter = Traffic(lane, members);
            var trainingMedian = MedianOf(trainingTimes);
            var trainingMinimum = 2.0 * maxMembers * parameterBytes + parameterBytes + batchBytes; // and the new values back once
            var trainingSent = (trainingAfter.Bytes - trainingBefore.Bytes) / (double)steps;
            rows.Add(string.Create(CultureInfo.InvariantCulture,
                $"| {maxMembers} member(s), SGD step | {trainingMedian * 1e3,8:0.0} ms | {trainingMedian / inProcessTraining,5:0.00}x (of in-process SGD) | {trainingTimes.Min() * 1e3:0.0}-{trainingTimes.Max() * 1e3:0.0} ms | {trainingSent / 1e6,7:0.00} MB | {trainingMinimum / 1e6,7:0.00} MB | {trainingSent / trainingMinimum,5:0.00}x | {(trainingAfter.Messages - trainingBefore.Messages) / (double)steps,5:0} | |"));
        }
        finally
        {
            if (client is not null) await client.DisposeAsync();
            foreach (var m in members) m.Dispose();
        }

        Console.WriteLine();
        Console.WriteLine("| where | median step | vs in-process | min-max | lane bytes/step (all processes) | minimum | measured/min | lane msgs/step | loss |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| in-process, gradient | {inProcess * 1e3,8:0.0} ms | 1.00x | | 0 | | | | {inProcessLoss:0.000000} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| in-process, SGD step | {inProcessTraining * 1e3,8:0.0} ms | | | 0 | | | | |"));
        foreach (var row in rows) Console.WriteLine(row);
        foreach (var line in breakdown) Console.WriteLine(line);
        Console.WriteLine("vs in-process: against the median of in-process steps taken alternately with the cluster's steps (the same load on both).");
        Console.WriteLine("minimum = 2 x members x parameter bytes + batch bytes (an SGD step: + parameter bytes, the new values to the client); lane bytes count frame prefix, header and payload of every");
        Console.WriteLine("message any process wrote to its lane (Akka.Remote's small control messages - OwnerReady, ShardDone, EndJob, cluster gossip - are not counted).");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"MODEL per_message_s={perMessage:G4} per_byte_s={perByte:G4} compute_per_shard_s={perShard:G4} shards={Shards} parameter_bytes={parameterBytes} batch_bytes={batchBytes} in_process_step_s={inProcess:G4} cores={Environment.ProcessorCount} " +
            $"parameters={parameters.Count} largest_parameter_bytes={4L * parameters.Values.Max(t => (long)t.Length)} examples={Examples} shard_examples={Examples / Shards} " +
            $"encode_per_byte_s={encode:G4} decode_per_byte_s={decode:G4}"));
        return 0;
    }

    /// <summary>As a training loop does with a step's gradients once applied: their storage goes back to the pool.</summary>
    private static void Release(GradientResult result)
    {
        foreach (var g in result.Gradients) g.Dispose();
    }

    internal static double MedianOf(double[] values)
    {
        var sorted = values.ToArray();
        Array.Sort(sorted);
        return sorted[sorted.Length / 2];
    }

    /// <summary>
    /// The payload bytes the service's messages carry in a gradient step, as it sends them today (P = parameter bytes):
    /// the step's parameters to each member, the batch, one chain sum from each run's worker to the next, the last
    /// run's sums to the client.
    /// </summary>
    private static double Expected(int members, long parameterBytes, long batchBytes) =>
        members * parameterBytes + batchBytes + (members - 1.0) * parameterBytes + parameterBytes;

    private static double Median(int warmup, int steps, Action step)
    {
        for (var i = 0; i < warmup; i++) step();
        var times = new double[steps];
        for (var i = 0; i < steps; i++)
        {
            var clock = Stopwatch.StartNew();
            step();
            times[i] = clock.Elapsed.TotalSeconds;
        }
        Array.Sort(times);
        return times[steps / 2];
    }

    /// <summary>
    /// Lane bytes and messages written by every process, and bytes read (the same when nothing is lost or in flight);
    /// each member process's counters (member order).
    /// </summary>
    private static (long Bytes, long Messages, long Received, ProcessCounters[] Members) Traffic(TensorLane client, List<StepMemberProcess> members)
    {
        long bytes = client.BytesSent, messages = client.MessagesSent, received = client.BytesReceived;
        var processes = new ProcessCounters[members.Count];
        for (var i = 0; i < members.Count; i++)
        {
            var (lane, process) = members[i].Stats();
            bytes += lane[0];
            messages += lane[1];
            received += lane[2];
            processes[i] = process;
        }
        return (bytes, messages, received, processes);
    }

    /// <summary>Median seconds per byte to serialize and to deserialize a gradient message with the system's serializer for it.</summary>
    private static (double Encode, double Decode) SerializationCost(ActorSystem system, Tensor value)
    {
        var message = new BatchGradient("job", 0, 0, value);
        var serializer = system.Serialization.FindSerializerFor(message);
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);
        var bytes = serializer.ToBinary(message);
        var encode = Median(3, 9, () => serializer.ToBinary(message));
        var decode = Median(3, 9, () => system.Serialization.Deserialize(bytes, serializer.Identifier, manifest));
        return (encode / bytes.Length, decode / bytes.Length);
    }

    /// <summary>
    /// Half the median round trip of a 64-byte message (lane out, Akka.Remote reply back) is the cost per message; the
    /// extra time of a 4 MiB message over it, per byte, is the cost per byte. The warm-up of the large one goes twice
    /// round the lane's shared-memory ring (a peer on this host), so that the figure is the steady state's, as in the
    /// steps, not the first touch of the ring's pages.
    /// </summary>
    private static async Task<(double PerMessage, double PerByte)> LaneCosts(ActorSystem system, TensorLane lane)
    {
        var worker = AkkaCluster.Get(system).State.Members.First(m => m.HasRole(GradientRoles.Worker)).Address;
        var echo = await system.ActorSelection(new RootActorPath(worker) / "user" / EchoActor.Name).ResolveOne(TimeSpan.FromSeconds(10));
        var inbox = Inbox.Create(system);
        async Task<double> RoundTrip(int size, int times, int warmup)
        {
            var message = new byte[size];
            var all = new double[times];
            for (var i = -warmup; i < times; i++)
            {
                var clock = Stopwatch.StartNew();
                lane.Tell(echo, message, inbox.Receiver);
                await inbox.ReceiveAsync(TimeSpan.FromSeconds(10));
                if (i >= 0) all[i] = clock.Elapsed.TotalSeconds;
            }
            Array.Sort(all);
            return all[times / 2];
        }
        var small = await RoundTrip(64, 21, 2);
        var large = await RoundTrip(4 << 20, 9, (int)Math.Max(2, 2 * new TensorLaneSettings().SharedMemoryRingBytes / (4 << 20)));
        return (small / 2, Math.Max(large - small, 0) / (4 << 20));
    }
}
