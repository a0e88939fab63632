using System.Runtime.Serialization;
using ActorGrad.Protocol.Gradients;
using ActorGrad.Protocol.Serialization;
using ActorGrad.Protocol.Tensors;
using ActorGrad.Protocol.Tests.Serialization;
using ActorGrad.Protocol.Tests.Specs;

namespace ActorGrad.Protocol.Tests.Gradients;

/// <summary>The gradient service's messages on the wire: a row each, stable manifests, exact round trips, refusals of damaged payloads.</summary>
public class GradientWireTests
{
    private static readonly Type[] MessageTypes = typeof(GradientMessage).Assembly.GetTypes()
        .Where(t => t.IsSubclassOf(typeof(GradientMessage)) && !t.IsAbstract).ToArray();

    private static WireTensor Tensor(int seed, params int[] dims) =>
        new(dims, Enumerable.Range(0, dims.Aggregate(1, (a, b) => a * b)).Select(i => MathF.Sin(seed * 31 + i)).ToArray());

    private static object[] Samples() =>
    [
        new OwnerReady("job-1", 7, 2),
        new PrepareJob("job-1", 7, GraphSpecWireTests.Sample(), [Tensor(2, 2, 3), Tensor(3, 3)], 120),
        new RunShard("job-1", 7, 2, 5, 13, 3, 6, [Tensor(4, 10, 2), Tensor(5, 10, 3)], "akka.tcp://actorgrad@127.0.0.1:4053/user/gradients/worker",
            ["akka.tcp://actorgrad@127.0.0.1:4051/user/gradients/$a#12", ""]),
        new ChainSum("job-1", 7, 2, 6, [Tensor(6, 3), Tensor(14, 2, 2)]),
        new BatchGradient("job-1", 7, 1, Tensor(15, 3)),
        new ShardDone("job-1", 7, 5, 13, 0.6931472f),
        new ParameterGradient("job-1", 7, 1, Tensor(7, 3)),
        new GradientWorkFailed("job-1", "akka.tcp://actorgrad@127.0.0.1:4052", "shard 5", SampleMessages.Failure()),
        new EndJob("job-1"),
        new CreateStepOwner("job-1", 7, 2, OptimizerSettings.Adam(0.01f, weightDecay: 0.1f), [Tensor(9, 3, 4), Tensor(10, 3, 4)]),
        new ParameterStepped("job-1", 7, 2, Tensor(11, 3, 4), Tensor(12, 3, 4), [Tensor(13, 3, 4)]),
    ];

    [Fact]
    public void EveryGradientMessageHasARowAndASample()
    {
        var inTable = WireManifests.Entries.Select(e => e.Type).ToHashSet();
        Assert.All(MessageTypes, t => Assert.Contains(t, inTable));
        Assert.Equal(MessageTypes.OrderBy(t => t.Name), Samples().Select(s => s.GetType()).OrderBy(t => t.Name));
    }

    [Fact]
    public void ManifestsAreStable()
    {
        var expected = new Dictionary<Type, string>
        {
            [typeof(PrepareJob)] = "gprep", [typeof(OwnerReady)] = "gready", [typeof(RunShard)] = "grun", [typeof(ChainSum)] = "gchain", [typeof(BatchGradient)] = "gbatch",
            [typeof(ShardDone)] = "gdone", [typeof(ParameterGradient)] = "gparam", [typeof(GradientWorkFailed)] = "gfail", [typeof(EndJob)] = "gend",
            [typeof(CreateStepOwner)] = "gsown", [typeof(ParameterStepped)] = "gstep",
        };
        foreach (var (type, manifest) in expected) Assert.Equal(manifest, WireManifests.For(type).Manifest);
    }

    [Fact]
    public void EveryMessageRoundTripsExactly()
    {
        foreach (var message in Samples())
        {
            var decoded = WireCodec.Decode(WireCodec.Encode(message), WireCodec.ManifestOf(message));
            if (message is PrepareJob prepare)
            {
                var back = Assert.IsType<PrepareJob>(decoded);
                Assert.Equal((prepare.JobId, prepare.Step, prepare.FullBatchSize), (back.JobId, back.Step, back.FullBatchSize));
                SpecAssert.Same(prepare.Spec, back.Spec);
                Assert.Equal(prepare.Parameters.Length, back.Parameters.Length);
                for (var i = 0; i < prepare.Parameters.Length; i++) WireAssert.SameTensor(prepare.Parameters[i], back.Parameters[i]);
            }
            else if (message is RunShard run)
            {
                var back = Assert.IsType<RunShard>(decoded);
                Assert.Equal((run.JobId, run.Step, run.Round, run.Shard, run.Attempt, run.RunFirst, run.RunLast, run.Next),
                    (back.JobId, back.Step, back.Round, back.Shard, back.Attempt, back.RunFirst, back.RunLast, back.Next));
                Assert.Equal(run.Data.Length, back.Data.Length);
                for (var i = 0; i < run.Data.Length; i++) WireAssert.SameTensor(run.Data[i], back.Data[i]);
                Assert.Equal(run.Owners.ToArray(), back.Owners.ToArray());
            }
            else if (message is ChainSum chain)
            {
                var back = Assert.IsType<ChainSum>(decoded);
                Assert.Equal((chain.JobId, chain.Step, chain.Round, chain.UpTo), (back.JobId, back.Step, back.Round, back.UpTo));
                Assert.Equal(chain.Values.Length, back.Values.Length);
                for (var i = 0; i < chain.Values.Length; i++) WireAssert.SameTensor(chain.Values[i], back.Values[i]);
            }
            else if (message is CreateStepOwner create)
            {
                var back = Assert.IsType<CreateStepOwner>(decoded);
                Assert.Equal((create.JobId, create.Step, create.Parameter, create.Optimizer), (back.JobId, back.Step, back.Parameter, back.Optimizer));
                Assert.Equal(create.State.Length, back.State.Length);
                for (var i = 0; i < create.State.Length; i++) WireAssert.SameTensor(create.State[i], back.State[i]);
            }
            else if (message is ParameterStepped stepped)
            {
                var back = Assert.IsType<ParameterStepped>(decoded);
                Assert.Equal((stepped.JobId, stepped.Step, stepped.Parameter), (back.JobId, back.Step, back.Parameter));
                WireAssert.SameTensor(stepped.Gradient, back.Gradient);
                WireAssert.SameTensor(stepped.Value, back.Value);
                Assert.Equal(stepped.State.Length, back.State.Length);
                for (var i = 0; i < stepped.State.Length; i++) WireAssert.SameTensor(stepped.State[i], back.State[i]);
            }
            else
            {
                WireAssert.SameMessage(message, decoded);
            }
        }
    }

    [Fact]
    public void TruncatedPayloadsAreSerializationExceptionsNamingTheManifest()
    {
        foreach (var message in Samples())
        {
            var bytes = WireCodec.Encode(message);
            var manifest = WireCodec.ManifestOf(message);
            for (var length = 0; length < bytes.Length; length += Math.Max(1, bytes.Length / 40))
            {
                var error = Assert.Throws<SerializationException>(() => WireCodec.Decode(bytes.AsMemory(0, length), manifest));
                Assert.Contains($"'{manifest}'", error.Message);
            }
        }
    }

    [Fact]
    public void AMissingTensorOrStringIsRefused()
    {
        // BatchGradient with a nil tensor; EndJob with a nil job id, or a field too many.
        var bytes = MessagePack.MessagePackSerializer.Serialize(new object?[] { "j", 1L, 0, null });
        Assert.Throws<SerializationException>(() => WireCodec.Decode(bytes, "gbatch"));
        Assert.Throws<SerializationException>(() => WireCodec.Decode(MessagePack.MessagePackSerializer.Serialize(new object?[] { null }), "gend"));
        Assert.Throws<SerializationException>(() => WireCodec.Decode(MessagePack.MessagePackSerializer.Serialize(new object?[] { "j", 1L }), "gend"));
    }
}
