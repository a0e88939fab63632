using ActorGrad.Cluster.Gradients;
using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes;
using ActorGrad.Nodes.Specs;
using ActorGrad.Nodes.Tracing;
using ActorGrad.Protocol.Specs;
using Xunit.Abstractions;
using static ActorGrad.Cluster.Tests.ClusterTestSettings;
using static ActorGrad.Cluster.Tests.Gradients.GradientFixtures;
using static ActorGrad.Cluster.Tests.Gradients.GradientWaits;
using static ActorGrad.Nodes.Tests.Specs.SpecFixtures;

namespace ActorGrad.Cluster.Tests.Gradients;

/// <summary>
/// Graph shapes that distributed autograd gets wrong elsewhere, across members (worker ActorSystems of this process on
/// their own ports, a client member): a non-scalar head with a head gradient, and unused edges and parameters.
/// </summary>
public sealed class GradientGraphTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _members = [];
    private GradientClient _client = null!;

    public async Task InitializeAsync()
    {
        var a = await WorkerMember.StartAsync();
        _members.Add(a);
        _members.Add(await WorkerMember.StartAsync(a.HostPort));
        _client = await GradientClient.JoinAsync(FastOptions(0, a.HostPort), Bound);
        _members.Insert(0, _client); // leaves first
        await UntilWorkersUp(_client, 2);
    }

    public async Task DisposeAsync()
    {
        foreach (var member in _members) await member.DisposeAsync();
    }

    /// <summary>A head of shape [B, 3] (batch axis 0); parameter c is not used by it.</summary>
    private static Var Head(ModelInputs m) => (m["x"].MatMul(m["w"]) + m["b"]).Tanh() * m["z"].Permute(1, 0);

    /// <summary>
    /// y.Backward(v) with y of shape [B, 3], on 2 members in 5 shards: bitwise the in-process VJPs of the shards
    /// (y_s.Backward(v_s)) added in shard order, so the head received exactly v; and within float32 rounding of the
    /// in-process y.Backward(v) of the whole batch. The unused parameter's gradient is zero.
    /// </summary>
    [Fact]
    public async Task A_non_scalar_head_with_a_head_gradient_gives_the_in_process_vector_jacobian_product()
    {
        const int examples = 23, shards = 5;
        var parameters = MixedParameters();
        var batch = MixedBatch(examples);
        var v = Tensor.RandomNormal(77, examples, 3);
        var job = HeadGradientJob.Create(Head, parameters, MixedSamples(), batch, v, shards);
        Assert.Equal(LossReduction.Sum, job.Spec.Reduction);

        var result = await Run(_client, job);
        Assert.Equal(2, result.Members);

        // The shards' VJPs in this process, left-folded in shard order as the step's chain does.
        Tensor[]? folded = null;
        foreach (var shard in BatchShards.Split(job.Spec, job.Batch, shards))
        {
            var vjp = Vjp(parameters, shard, shard[HeadGradientJob.HeadGradientInput]);
            folded = folded is null ? vjp : [.. folded.Zip(vjp, TensorOps.Add)];
        }
        for (var i = 0; i < parameters.Length; i++)
            Assert.True(Bits(folded![i]).SequenceEqual(Bits(result.Gradients[i])), $"The gradient of '{parameters[i].Name}' differs in its bits from the shards' VJPs.");

        var whole = Vjp(parameters, batch, v);
        for (var i = 0; i < parameters.Length; i++)
            Assert.InRange(Relative(result.Gradients[i], whole[i]), 0, 1e-5);
        Assert.All(result.Gradient("c").ToArray(), g => Assert.Equal(0f, g));
        Assert.Contains(result.Gradient("w").ToArray(), g => g != 0);
        output.WriteLine($"head [B, 3], B = {examples}, {shards} shards on 2 members: the shards' VJPs to the bit; <y, v> = {result.Loss}");
    }

    /// <summary>
    /// The dependency count across members, with the edges PyTorch's distributed autograd waits on forever
    /// (pytorch#23110): w feeds the loss and a dead branch whose output nothing uses, c feeds only that dead branch,
    /// and the parameter u feeds nothing. Every parameter still gets exactly one contribution per shard in the chain's
    /// sum (zeros where no VJP reaches the leaf): the job ends, the gradients are the in-process ones, bitwise the same whatever the placement.
    /// </summary>
    [Fact]
    public async Task Unused_outputs_and_parameters_across_members_get_exactly_the_count_they_wait_for()
    {
        (string Name, Tensor Value)[] parameters = [.. MixedParameters(), ("u", Tensor.RandomNormal(35, 2, 2))];
        var spec = GraphTracer.Trace(m =>
        {
            var h = m["x"].MatMul(m["w"]);
            _ = (h * m["c"]).Exp().Sum(1); // a consumer of w's product (and the only one of c) that the loss never uses
            return (h + m["b"]).Tanh().Sum(1);
        }, parameters, MixedSamples(), LossReduction.Mean);
        Assert.True(spec.Nodes.Length > 4, "the dead branch is in the spec");
        var job = new GradientJob(spec, parameters.ToDictionary(p => p.Name, p => p.Value), MixedBatch(17), Shards: 4);

        var two = await Run(_client, job);
        Assert.Equal(2, two.Members);
        AssertCloseToInProcess(job, two);
        Assert.All(two.Gradient("c").ToArray(), g => Assert.Equal(0f, g));
        Assert.All(two.Gradient("u").ToArray(), g => Assert.Equal(0f, g));
        Assert.Contains(two.Gradient("w").ToArray(), g => g != 0);
        AssertBitwiseEqual(two, await Run(_client, job with { PlacementOffset = 1 }));
    }

    /// <summary>head(inputs).Backward(v) in a session of this process: each parameter's gradient (zeros if none reached it).</summary>
    private static Tensor[] Vjp((string Name, Tensor Value)[] parameters, IReadOnlyDictionary<string, Tensor> data, Tensor v)
    {
        using var session = new Session();
        var vars = new Dictionary<string, Var>(StringComparer.Ordinal);
        var leaves = parameters.Select(p => vars[p.Name] = session.Tensor(p.Value).RequiresGrad()).ToArray();
        foreach (var (name, value) in data) vars[name] = session.Tensor(value);
        Head(new ModelInputs(session, vars)).Backward(v);
        return [.. leaves.Select(l => l.Grad?.Clone() ?? Tensor.Zeros(l.Shape))];
    }
}
