using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using ActorGrad.Cluster;
using ActorGrad.Cluster.Gradients;
using ActorGrad.Cluster.Management;
using ActorGrad.Engine.Tensors;
using ActorGrad.Nodes.Models;

namespace ActorGrad.Deploy.Tests;

/// <summary>`actorgrad node --management-port` answers the health checks; `--metrics prometheus:PORT` serves the counters.</summary>
public class NodeEndpointsTests
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task HealthIsAliveAtOnceAndReadyOnceUpAndMetricsCountAGradientJob()
    {
        var (port, management, metrics) = (FreePorts.One(), FreePorts.One(), FreePorts.One());
        using var node = new ChildProcess("dotnet", [Repo.CliAssembly, "node", "--port", $"{port}", "--management-port", $"{management}",
            "--metrics", $"prometheus:{metrics}"]);
        var (aliveCode, alive) = await PollAsync($"http://127.0.0.1:{management}{ClusterHealth.AlivePath}", node, code => code == HttpStatusCode.OK);
        Assert.Contains("\"status\":\"Healthy\"", alive);
        await PollAsync($"http://127.0.0.1:{management}{ClusterHealth.ReadyPath}", node, code => code == HttpStatusCode.OK);

        // A gradient job through the node: it runs the shards and serves what it counted.
        await using (var client = await GradientClient.JoinAsync(new ClusterMemberOptions { Port = 0, Seeds = [$"127.0.0.1:{port}"] }, Repo.Bound(30)))
        {
            await client.WaitForWorkersAsync(1, Repo.Bound(30));
            var result = await client.ComputeAsync(SmallJob(shards: 4));
            Assert.True(float.IsFinite(result.Loss));
        }
        var (_, scrape) = await PollAsync($"http://127.0.0.1:{metrics}/metrics", node,
            (code, body) => code == HttpStatusCode.OK && Sample(body, "actorgrad_gradient_shards_run") >= 4);
        Assert.Equal(4, Sample(scrape, "actorgrad_gradient_shards_run"));
        Assert.True(Sample(scrape, "actorgrad_lane_bytes_received") > 0, scrape);
        Assert.True(Sample(scrape, "actorgrad_lane_bytes_sent") > 0, scrape);
        Assert.Contains("actorgrad_gradient_pass_duration", scrape);
        Assert.Contains("actorgrad_nodes_live", scrape);
        Assert.False(node.HasExited, node.Output);
    }

    [Fact]
    public async Task OtlpPushesTheCountersToACollector()
    {
        // A stand-in collector: OTLP/HTTP posts protobuf to /v1/metrics; the instrument names travel as UTF-8 strings.
        var collectorPort = FreePorts.One();
        using var collector = new HttpListener();
        collector.Prefixes.Add($"http://127.0.0.1:{collectorPort}/");
        collector.Start();
        var port = FreePorts.One();
        using var node = new ChildProcess("dotnet", [Repo.CliAssembly, "node", "--port", $"{port}", "--metrics", $"otlp:http://127.0.0.1:{collectorPort}/v1/metrics"],
            environment: new Dictionary<string, string?> { ["OTEL_METRIC_EXPORT_INTERVAL"] = "200" }); // OpenTelemetry's export period, ms

        using var bound = new CancellationTokenSource(Repo.Bound(60));
        while (true)
        {
            var context = await collector.GetContextAsync().WaitAsync(bound.Token);
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            context.Response.StatusCode = 200;
            context.Response.Close();
            Assert.Equal("/v1/metrics", context.Request.Url!.AbsolutePath);
            Assert.Equal("application/x-protobuf", context.Request.ContentType);
            // The nodes' meter exists from the start (its live-node gauge), so the first export carries it.
            if (System.Text.Encoding.UTF8.GetString(body.ToArray()).Contains("actorgrad.nodes.live")) break;
        }
        Assert.False(node.HasExited, node.Output);
    }

    [Fact]
    public async Task AMemberThatCannotJoinIsAliveButNotReady()
    {
        var (port, management, nobody) = (FreePorts.One(), FreePorts.One(), FreePorts.One());
        using var node = new ChildProcess("dotnet", [Repo.CliAssembly, "node", "--port", $"{port}", "--management-port", $"{management}",
            "--seed", $"127.0.0.1:{nobody}"]);
        await PollAsync($"http://127.0.0.1:{management}{ClusterHealth.AlivePath}", node, code => code == HttpStatusCode.OK);
        using var ready = await Http.GetAsync($"http://127.0.0.1:{management}{ClusterHealth.ReadyPath}");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("\"status\":\"Unhealthy\"", await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task BadEndpointSettingsFailTheStartWithOneLine()
    {
        var (code, output) = await ChildProcess.RunAsync("dotnet", [Repo.CliAssembly, "node", "--port", "0", "--metrics", "prometheus:many"], Repo.Bound(30));
        Assert.Equal(2, code);
        Assert.Contains("--metrics prometheus:PORT needs a port 1..65535, not 'many'", output);
        (code, output) = await ChildProcess.RunAsync("dotnet", [Repo.CliAssembly, "node", "--port", "0", "--discovery", "config"], Repo.Bound(30));
        Assert.Equal(2, code);
        Assert.Contains("--discovery config needs the contact points", output);
        (code, output) = await ChildProcess.RunAsync("dotnet", [Repo.CliAssembly, "node", "--port", "0", "--discovery", "dns"], Repo.Bound(30));
        Assert.Equal(2, code);
        Assert.Contains("--discovery must be seeds, config or kubernetes, not 'dns'", output);
    }

    internal static GradientJob SmallJob(int shards)
    {
        var (x, labels) = Spirals.Generate(pointsPerClass: 20, SpiralsMlp.Classes, seed: 1);
        return new GradientJob(SpiralsMlp.Spec(hidden: 8), SpiralsMlp.InitialParameters(seed: 0, hidden: 8).ToDictionary(p => p.Name, p => p.Value),
            SpiralsMlp.Batch(x, labels), shards);
    }

    /// <summary>The value of a Prometheus counter (its _total sample, any unit suffix), or -1 when absent.</summary>
    private static double Sample(string scrape, string name)
    {
        var m = Regex.Match(scrape, $@"^{name}(_[a-z]+)?(_total)?(\{{[^}}]*\}})? (\S+)", RegexOptions.Multiline);
        return m.Success ? double.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture) : -1;
    }

    internal static Task<(HttpStatusCode, string)> PollAsync(string url, ChildProcess node, Func<HttpStatusCode, bool> done) =>
        PollAsync(url, node, (code, _) => done(code));

    /// <summary>GETs <paramref name="url"/> until <paramref name="done"/> (the node's start is the wait); fails with the node's output past the bound.</summary>
    internal static async Task<(HttpStatusCode, string)> PollAsync(string url, ChildProcess node, Func<HttpStatusCode, string, bool> done)
    {
        var deadline = DateTime.UtcNow + Repo.Bound(60);
        var last = "no answer";
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(node.HasExited, $"the node ended:\n{node.Output}");
            try
            {
                using var response = await Http.GetAsync(url);
                var body = await response.Content.ReadAsStringAsync();
                if (done(response.StatusCode, body)) return (response.StatusCode, body);
                last = $"{(int)response.StatusCode} {body}";
            }
            catch (HttpRequestException e)
            {
                last = e.Message; // not listening yet
            }
            await Task.Delay(100); // polling an HTTP endpoint of another process: there is nothing to wait on
        }
        throw new TimeoutException($"{url} did not answer as expected within the bound; last: {last}\nnode output:\n{node.Output}");
    }
}
