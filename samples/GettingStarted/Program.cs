using ActorGrad.Cluster;
using ActorGrad.Cluster.Gradients;
using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes;
using ActorGrad.Nodes.Models;
using ActorGrad.Nodes.Specs;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using AkkaCluster = Akka.Cluster.Cluster;

// 1. The seeds' first example (Dive into Deep Learning, "Automatic Differentiation"): y = 2 x.x, dy/dx = 4x.
using (var session = new Session())
{
    var x = session.Arange(4).RequiresGrad();
    var y = 2 * Var.Dot(x, x);
    y.Backward();
    Console.WriteLine($"y = {y.Item()}");
    Console.WriteLine($"x.grad = [{string.Join(", ", x.Grad!.ToArray())}]");
}

// 2. A batch gradient on a cluster: worker members on 127.0.0.1 inside this process (each its own ActorSystem, talking
//    over Akka.Remote as separate processes would), a client that submits the job, and the in-process gradient to compare.
const int members = 2, shards = 4;
var workers = new List<IHost>();
try
{
    string? seed = null;
    for (var i = 0; i < members; i++)
    {
        var options = new ClusterMemberOptions { Port = 0, Seeds = seed is null ? [] : [seed], Roles = [GradientRoles.Worker] };
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddClusterMember(options.Validate(), (akka, _) =>
        {
            akka.AddHocon("akka.loglevel = WARNING", HoconAddMode.Prepend); // Akka's INFO lines would bury the sample's
            akka.WithGradientService();
        });
        var host = builder.Build();
        await host.StartAsync();
        workers.Add(host);
        seed ??= $"127.0.0.1:{AkkaCluster.Get(host.Services.GetRequiredService<ActorSystem>()).SelfAddress.Port}";
    }

    var (inputs, labels) = Spirals.Generate(pointsPerClass: 50, SpiralsMlp.Classes, seed: 1);
    var spec = SpiralsMlp.Spec(hidden: 16);
    var parameters = SpiralsMlp.InitialParameters(seed: 0, hidden: 16).ToDictionary(p => p.Name, p => p.Value);
    var batch = SpiralsMlp.Batch(inputs, labels);

    await using var client = await GradientClient.JoinAsync(new ClusterMemberOptions { Port = 0, Seeds = [seed!] });
    await client.WaitForWorkersAsync(members, TimeSpan.FromSeconds(60));
    var result = await client.ComputeAsync(new GradientJob(spec, parameters, batch, shards));

    using var local = new Session();
    var expected = SpecRunner.Run(local, spec, parameters, batch);
    var difference = 0f;
    for (var i = 0; i < spec.Parameters.Length; i++)
    {
        var (a, b) = (result.Gradients[i].ToArray(), expected.Gradients[i].ToArray());
        for (var j = 0; j < a.Length; j++) difference = MathF.Max(difference, MathF.Abs(a[j] - b[j]));
    }
    Console.WriteLine($"cluster gradient: members {result.Members}, shards {shards}, loss {result.Loss:0.######} " +
        $"(in-process {expected.Loss:0.######}), max abs difference {difference:0.###e+0}");
}
finally
{
    for (var i = workers.Count - 1; i >= 0; i--)
    {
        await workers[i].StopAsync();
        workers[i].Dispose();
    }
}
