using System.Collections.Immutable;
using ActorGrad.Cluster.Gradients;
using ActorGrad.Engine.Tensors;
using ActorGrad.Protocol.Gradients;
using ActorGrad.Protocol.Tensors;
using Akka.Actor;
using Akka.TestKit;

namespace ActorGrad.Cluster.Tests.Gradients;

/// <summary>
/// The chain adder beside the worker: the previous run's sum and the shards the worker hands it are added as they
/// come, in shard order (the bits of one left fold over 0..S-1), and the run's sum goes on once.
/// </summary>
public sealed class ChainAdderTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10 * ClusterTestSettings.TimeFactor);

    private static Tensor[] Piece(int seed) =>
    [
        Tensor.RandomNormal(new Random(seed), 0f, 1e3f, 3, 5),
        Tensor.RandomNormal(new Random(seed + 100), 0f, 1e-3f, 7),
    ];

    private static Tensor[] LeftFold(IEnumerable<Tensor[]> pieces)
    {
        Tensor[]? sum = null;
        foreach (var p in pieces)
            sum = sum is null ? [.. p.Select(t => t.Clone())] : [.. sum.Zip(p, TensorOps.Add)];
        return sum!;
    }

    private static Tensor[] Copy(Tensor[] piece) => [.. piece.Select(t => t.Clone())];

    private static int[] Bits(ITensorPayload t) => [.. Tensor.From(t).ToArray().Select(BitConverter.SingleToInt32Bits)];

    private ShardGradients Shard(string job, int shard, int first, int last, string next, Tensor[] gradients, IActorRef coordinator, int round = 0) =>
        new(job, 7, round, shard, first, last, next, [], gradients, 2, coordinator);

    [Fact]
    public void A_later_run_adds_the_sum_before_it_and_the_shards_it_was_handed_in_shard_order_and_sends_the_sum_on_once()
    {
        var shards = Enumerable.Range(0, 6).Select(Piece).ToArray();
        var next = CreateTestProbe();
        var coordinator = CreateTestProbe();
        var adder = Sys.ActorOf(ChainAdder.Props(AkkaTensorSender.Instance, "member"));
        var nextPath = Akka.Serialization.Serialization.SerializedActorPath(next.Ref);

        // Shards out of order, the previous run's sum between them (as it arrives while the worker computes the next).
        adder.Tell(Shard("job", 4, 3, 5, nextPath, Copy(shards[4]), coordinator.Ref));
        adder.Tell(new ChainSum("job", 7, 0, 2, [.. LeftFold(shards[..3]).Cast<ITensorPayload>()]));
        adder.Tell(Shard("job", 3, 3, 5, nextPath, Copy(shards[3]), coordinator.Ref));
        adder.Tell(Shard("job", 5, 3, 5, nextPath, Copy(shards[5]), coordinator.Ref));
        adder.Tell(Shard("job", 5, 3, 5, nextPath, Piece(99), coordinator.Ref)); // a second run of shard 5: counted once

        var sum = next.ExpectMsg<ChainSum>(Bound);
        Assert.Equal(("job", 7L, 0, 5), (sum.JobId, sum.Step, sum.Round, sum.UpTo));
        var expected = LeftFold(shards);
        Assert.Equal(expected.Length, sum.Values.Length);
        for (var i = 0; i < expected.Length; i++) Assert.Equal(Bits(expected[i]), Bits(sum.Values[i]));
        // Sent once: a later shard of the same round changes nothing, and the coordinator heard of no failure.
        adder.Tell(Shard("job", 4, 3, 5, nextPath, Piece(98), coordinator.Ref));
        adder.Tell(new EndJob("job"));
        adder.Tell(Shard("job", 3, 3, 5, nextPath, Piece(97), coordinator.Ref, round: 1)); // after the job's end: dropped
        // What the adder sends next comes after anything it sent for those: a later job's sum is the next message.
        adder.Tell(Shard("later", 0, 0, 0, nextPath, Piece(3), coordinator.Ref));
        Assert.Equal("later", next.ExpectMsg<ChainSum>(Bound).JobId);
        coordinator.ExpectNoMsg(TimeSpan.Zero);
    }

    [Fact]
    public void A_sum_that_does_not_fit_the_runs_shards_fails_the_job_for_its_coordinator_and_the_adder_serves_the_next_job()
    {
        var coordinator = CreateTestProbe();
        var adder = Sys.ActorOf(ChainAdder.Props(AkkaTensorSender.Instance, "member"));
        adder.Tell(Shard("bad", 1, 1, 1, "", Piece(1), coordinator.Ref));
        adder.Tell(new ChainSum("bad", 7, 0, 0, [Tensor.Zeros(2, 2), Tensor.Zeros(7)]));
        var failed = coordinator.ExpectMsg<GradientWorkFailed>(Bound);
        Assert.Equal(("bad", "member"), (failed.JobId, failed.Member));
        Assert.Contains("shape", failed.Cause.Message);

        // A gradient job's last run: its sums go to the coordinator, one ParameterGradient per parameter.
        var piece = Piece(2);
        adder.Tell(Shard("good", 0, 0, 0, "", Copy(piece), coordinator.Ref));
        var gradients = new[] { coordinator.ExpectMsg<ParameterGradient>(Bound), coordinator.ExpectMsg<ParameterGradient>(Bound) };
        for (var i = 0; i < piece.Length; i++)
            Assert.Equal(Bits(piece[i]), Bits(gradients.Single(g => g.Parameter == i).Value));
    }
}
