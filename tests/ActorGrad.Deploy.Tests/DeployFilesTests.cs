using System.Text.RegularExpressions;
using ActorGrad.Cluster.Management;
using YamlDotNet.RepresentationModel;

namespace ActorGrad.Deploy.Tests;

/// <summary>
/// The Dockerfile, deploy/compose.yaml and deploy/k8s/ checked as far as a machine without a container runtime or a
/// Kubernetes API can: parsed, cross-checked against each other and against the `actorgrad` command's options (every
/// option the files pass exists), and rendered by `kubectl kustomize` when kubectl is installed.
/// </summary>
public class DeployFilesTests
{
    private static readonly string DeployDir = Path.Combine(Repo.Root, "deploy");

    [Fact]
    public void DockerfileBuildsWithTheSdkAndRunsAsANonRootUserOnTheRuntime()
    {
        var lines = File.ReadAllLines(Path.Combine(Repo.Root, "Dockerfile")).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        var stages = lines.Where(l => l.StartsWith("FROM ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, stages.Count);
        Assert.Matches(@"^FROM mcr\.microsoft\.com/dotnet/sdk:10\.0 AS build$", stages[0]);
        Assert.Matches(@"^FROM mcr\.microsoft\.com/dotnet/aspnet:10\.0 AS runtime$", stages[1]);
        var runtime = lines.SkipWhile(l => l != stages[1]).ToList();
        var user = Assert.Single(runtime, l => l.StartsWith("USER ", StringComparison.Ordinal));
        Assert.DoesNotMatch(@"^USER (root|0)(:|$)", user);
        Assert.Contains(runtime, l => l == "COPY --from=build /app ./");
        Assert.Contains("ENTRYPOINT [\"dotnet\", \"/app/actorgrad.dll\"]", runtime);
        // Every file the build stage copies exists in the checkout.
        foreach (var copy in lines.Where(l => l.StartsWith("COPY ", StringComparison.Ordinal) && !l.Contains("--from")))
            foreach (var source in copy.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..^1])
                Assert.True(File.Exists(Path.Combine(Repo.Root, source)) || Directory.Exists(Path.Combine(Repo.Root, source)), $"{copy}: no {source}");
    }

    [Fact]
    public async Task ComposeRunsThreeTlsMembersAndATrainerWithKnownOptions()
    {
        var compose = (YamlMappingNode)Load(Path.Combine(DeployDir, "compose.yaml")).Single();
        var services = Map(compose, "services");
        Assert.Equal(["certs", "node1", "node2", "node3", "trainer"], services.Children.Keys.Select(k => k.ToString()).Order());
        var build = Map(Map(services, "certs"), "build");
        Assert.True(File.Exists(Path.Combine(DeployDir, Scalar(build, "context"), Scalar(build, "dockerfile"))), "the build context has no Dockerfile");

        var options = await KnownOptionsAsync();
        foreach (var name in new[] { "node1", "node2", "node3" })
        {
            var member = Merged(Map(services, name));
            var command = Strings(member, "command");
            Assert.Equal("node", command[0]);
            AssertKnown(options["node"], command, $"compose {name}");
            Assert.Equal($"/certs/{name}.pem", ValueOf(command, "--tls-cert"));
            Assert.Equal(name, ValueOf(command, "--public-host"));
            if (name != "node1") Assert.Equal("node1:4051", ValueOf(command, "--seed"));
            // The health check asks the readiness endpoint on the management port.
            var test = string.Join(' ', Strings(Map(member, "healthcheck"), "test"));
            Assert.Contains($"/dev/tcp/127.0.0.1/{ValueOf(command, "--management-port")}", test);
            Assert.Contains($"GET {ClusterHealth.ReadyPath} ", test);
            Assert.Contains("certs:/certs:ro", Strings(member, "volumes"));
        }
        var trainer = Map(services, "trainer");
        var train = Strings(trainer, "command");
        Assert.Equal("train", train[0]);
        AssertKnown(options["train"], train, "compose trainer");
        Assert.Equal("node1:4051", ValueOf(train, "--seed"));
        Assert.Equal(["node1", "node2", "node3"], Map(trainer, "depends_on").Children.Keys.Select(k => k.ToString()).Order());
        Assert.Equal("/certs/trainer.pem", Scalar(Map(trainer, "environment"), "ACTORGRAD_Node__TlsCertificateFile"));
    }

    [Fact]
    public async Task KubernetesMembersBootstrapFromTheApiWithProbesRbacAndTheSecret()
    {
        var documents = Directory.EnumerateFiles(Path.Combine(DeployDir, "k8s"), "*.yaml")
            .Where(f => Path.GetFileName(f) != "kustomization.yaml")
            .SelectMany(Load).Cast<YamlMappingNode>().ToList();
        YamlMappingNode Kind(string kind) => Assert.Single(documents, d => Scalar(d, "kind") == kind);

        var statefulSet = Kind("StatefulSet");
        var podSpec = Map(Map(Map(statefulSet, "spec"), "template"), "spec");
        var podLabels = Map(Map(Map(Map(statefulSet, "spec"), "template"), "metadata"), "labels");
        var container = (YamlMappingNode)Seq(podSpec, "containers").Single();
        var args = Strings(container, "args").SelectMany(a => a.Split('=', 2)).ToList();
        Assert.Equal("node", args[0]);
        AssertKnown((await KnownOptionsAsync())["node"], args, "statefulset");
        Assert.Equal("kubernetes", ValueOf(args, "--discovery"));

        // Cluster Bootstrap probes the container port named "management"; the kubelet probes the health endpoints.
        var ports = Seq(container, "ports").Cast<YamlMappingNode>().ToDictionary(p => Scalar(p, "name"), p => Scalar(p, "containerPort"));
        Assert.Equal(ValueOf(args, "--bootstrap-port"), ports["management"]);
        Assert.Equal(ValueOf(args, "--management-port"), ports["health"]);
        Assert.Equal(ValueOf(args, "--port"), ports["remoting"]);
        Assert.Equal(ClusterHealth.ReadyPath, Scalar(Map(Map(container, "readinessProbe"), "httpGet"), "path"));
        Assert.Equal(ClusterHealth.AlivePath, Scalar(Map(Map(container, "livenessProbe"), "httpGet"), "path"));
        Assert.Equal("health", Scalar(Map(Map(container, "readinessProbe"), "httpGet"), "port"));
        Assert.Equal("app={0}".Replace("{0}", ValueOf(args, "--service-name")), $"app={Scalar(podLabels, "app")}");

        // The TLS files come from the Secret's volume.
        var mount = Seq(container, "volumeMounts").Cast<YamlMappingNode>().Single(m => Scalar(m, "name") == "certs");
        Assert.StartsWith(Scalar(mount, "mountPath") + "/", ValueOf(args, "--tls-cert"));
        Assert.StartsWith(Scalar(mount, "mountPath") + "/", ValueOf(args, "--tls-ca"));
        var volume = Seq(podSpec, "volumes").Cast<YamlMappingNode>().Single(v => Scalar(v, "name") == "certs");
        Assert.Equal("actorgrad-tls", Scalar(Map(volume, "secret"), "secretName"));
        Assert.Equal("true", Scalar(Map(podSpec, "securityContext"), "runAsNonRoot"));

        // Discovery may read pods, through the pods' service account.
        var account = Scalar(Map(Kind("ServiceAccount"), "metadata"), "name");
        Assert.Equal(account, Scalar(podSpec, "serviceAccountName"));
        var rule = (YamlMappingNode)Seq(Kind("Role"), "rules").Single();
        Assert.Equal(["pods"], Strings(rule, "resources"));
        Assert.Equal(["get", "list", "watch"], Strings(rule, "verbs").Order());
        var binding = Kind("RoleBinding");
        Assert.Equal(Scalar(Map(Kind("Role"), "metadata"), "name"), Scalar(Map(binding, "roleRef"), "name"));
        Assert.Equal(account, Scalar((YamlMappingNode)Seq(binding, "subjects").Single(), "name"));

        // The headless service selects the pods and names the StatefulSet's DNS.
        var service = Kind("Service");
        Assert.Equal("None", Scalar(Map(service, "spec"), "clusterIP"));
        Assert.Equal(Scalar(podLabels, "app"), Scalar(Map(Map(service, "spec"), "selector"), "app"));
        Assert.Equal(Scalar(Map(service, "metadata"), "name"), Scalar(Map(statefulSet, "spec"), "serviceName"));

        var job = Kind("Job");
        var train = Strings((YamlMappingNode)Seq(Map(Map(Map(job, "spec"), "template"), "spec"), "containers").Single(), "args")
            .SelectMany(a => a.Split('=', 2)).ToList();
        AssertKnown((await KnownOptionsAsync())["train"], train, "train job");
        // The client's seed is the first member by the very name it advertises (Akka drops messages to another name).
        var publicHost = ValueOf(args, "--public-host").Replace("$(POD_NAME)", $"{Scalar(Map(statefulSet, "metadata"), "name")}-0");
        Assert.Equal($"{publicHost}:{ValueOf(args, "--port")}", ValueOf(train, "--seed"));
    }

    [Fact]
    public async Task KustomizeRendersTheMembersWhenKubectlIsInstalled()
    {
        var kubectl = new[] { "/usr/bin/kubectl", "/usr/local/bin/kubectl" }.FirstOrDefault(File.Exists);
        if (kubectl is null) return; // only the parse tests above on a machine without kubectl
        var (code, output) = await ChildProcess.RunAsync(kubectl, ["kustomize", Path.Combine(DeployDir, "k8s")], Repo.Bound(60));
        Assert.True(code == 0, output);
        var kinds = Regex.Matches(output, @"^kind: (\w+)$", RegexOptions.Multiline).Select(m => m.Groups[1].Value).Order();
        Assert.Equal(["Role", "RoleBinding", "Service", "ServiceAccount", "StatefulSet"], kinds);
    }

    private static Dictionary<string, HashSet<string>>? s_options;

    /// <summary>The options `actorgrad node` and `actorgrad train` accept, from their --help.</summary>
    private static async Task<Dictionary<string, HashSet<string>>> KnownOptionsAsync()
    {
        if (s_options is not null) return s_options;
        var options = new Dictionary<string, HashSet<string>>();
        foreach (var command in new[] { "node", "train" })
        {
            var (code, help) = await ChildProcess.RunAsync("dotnet", [Repo.CliAssembly, command, "--help"], Repo.Bound(30));
            Assert.True(code == 0, help);
            options[command] = Regex.Matches(help, @"(?<=^\s+|, )--[a-z-]+", RegexOptions.Multiline).Select(m => m.Value).ToHashSet();
            Assert.Contains("--seed", options[command]);
        }
        return s_options = options;
    }

    private static void AssertKnown(HashSet<string> known, IReadOnlyList<string> args, string where)
    {
        foreach (var option in args.Where(a => a.StartsWith("--", StringComparison.Ordinal)))
            Assert.True(known.Contains(option), $"{where} passes {option}, which the command does not know.");
    }

    private static string ValueOf(IReadOnlyList<string> args, string option)
    {
        var i = args.ToList().IndexOf(option);
        Assert.True(i >= 0 && i + 1 < args.Count, $"no {option} in [{string.Join(' ', args)}]");
        return args[i + 1];
    }

    private static IEnumerable<YamlNode> Load(string path)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(path)) stream.Load(reader);
        return stream.Documents.Select(d => d.RootNode);
    }

    private static YamlMappingNode Map(YamlMappingNode node, string key) =>
        Assert.IsType<YamlMappingNode>(node.Children[new YamlScalarNode(key)]);

    private static YamlSequenceNode Seq(YamlMappingNode node, string key) =>
        Assert.IsType<YamlSequenceNode>(node.Children[new YamlScalarNode(key)]);

    private static string Scalar(YamlMappingNode node, string key) =>
        Assert.IsType<YamlScalarNode>(node.Children[new YamlScalarNode(key)]).Value!;

    private static List<string> Strings(YamlMappingNode node, string key) =>
        Seq(node, key).Children.Select(c => ((YamlScalarNode)c).Value!).ToList();

    /// <summary>The mapping with its YAML merge key (&lt;&lt;: *anchor) applied: its own keys win.</summary>
    private static YamlMappingNode Merged(YamlMappingNode node)
    {
        var merge = new YamlScalarNode("<<");
        if (!node.Children.TryGetValue(merge, out var baseNode)) return node;
        var result = new YamlMappingNode();
        foreach (var (k, v) in ((YamlMappingNode)baseNode).Children) result.Children[k] = v;
        foreach (var (k, v) in node.Children.Where(c => !c.Key.Equals(merge))) result.Children[k] = v;
        return result;
    }
}
