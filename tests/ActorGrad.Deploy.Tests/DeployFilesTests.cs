using System.Text.RegularExpressions;
using ActorGrad.Cluster;
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
    public async Task KubernetesMembersJoinThroughSeedsByTheirPodNamesWithProbesAndTheSecret()
    {
        Assert.Equal(["members"], KustomizationList("kustomization.yaml", "resources"));
        Assert.Equal(["service.yaml", "statefulset.yaml"], KustomizationList(Path.Combine("members", "kustomization.yaml"), "resources"));
        var documents = LoadAll(Path.Combine("members", "service.yaml"), Path.Combine("members", "statefulset.yaml"), "train-job.yaml");
        await CheckMembersAsync(documents, bootstrap: false);
    }

    [Fact]
    public async Task TheBootstrapOverlayAddsDiscoveryRbacAndTheManagementPort()
    {
        var overlay = Path.Combine("bootstrap", "kustomization.yaml");
        Assert.Equal(["../members", "rbac.yaml"], KustomizationList(overlay, "resources"));
        var patches = Seq((YamlMappingNode)Load(Path.Combine(DeployDir, "k8s", overlay)).Single(), "patches")
            .Cast<YamlMappingNode>().Select(p => Scalar(p, "path")).Order().ToList();
        Assert.Equal(["service-bootstrap.yaml", "statefulset-bootstrap.yaml"], patches);
        // The overlay says why it does not start yet.
        Assert.Contains("Ceen.Httpd 0.9.9", File.ReadAllText(Path.Combine(DeployDir, "k8s", overlay)));

        var rbac = LoadAll(Path.Combine("bootstrap", "rbac.yaml"));
        CheckRbac(rbac);
        var patch = (YamlMappingNode)Load(Path.Combine(DeployDir, "k8s", "bootstrap", "statefulset-bootstrap.yaml")).Single();
        var podSpec = Map(Map(Map(patch, "spec"), "template"), "spec");
        Assert.Equal(Scalar(Map(Single(rbac, "ServiceAccount"), "metadata"), "name"), Scalar(podSpec, "serviceAccountName"));
        var container = (YamlMappingNode)Seq(podSpec, "containers").Single();
        var args = Args(container);
        AssertKnown((await KnownOptionsAsync())["node"], args, "bootstrap statefulset patch");
        Assert.Equal("kubernetes", ValueOf(args, "--discovery"));
        Assert.DoesNotContain("--seed", args);
        var port = (YamlMappingNode)Seq(container, "ports").Single();
        Assert.Equal(("management", ValueOf(args, "--bootstrap-port")), (Scalar(port, "name"), Scalar(port, "containerPort")));
        var servicePort = (YamlMappingNode)Seq(Map((YamlMappingNode)Load(Path.Combine(DeployDir, "k8s", "bootstrap", "service-bootstrap.yaml")).Single(), "spec"), "ports").Single();
        Assert.Equal(ValueOf(args, "--bootstrap-port"), Scalar(servicePort, "port"));
    }

    [SkippableFact]
    public async Task KustomizeRendersTheSeedMembersAndTheBootstrapOverlay()
    {
        var kubectl = new[] { "/usr/bin/kubectl", "/usr/local/bin/kubectl" }.FirstOrDefault(File.Exists);
        Skip.If(kubectl is null, "kubectl is not installed: only the parse tests check deploy/k8s.");

        var members = await RenderAsync(kubectl!, "k8s");
        Assert.Equal(["Service", "StatefulSet"], members.Select(d => Scalar(d, "kind")).Order());
        await CheckMembersAsync([.. members, .. LoadAll("train-job.yaml")], bootstrap: false);

        var bootstrap = await RenderAsync(kubectl!, Path.Combine("k8s", "bootstrap"));
        Assert.Equal(["Role", "RoleBinding", "Service", "ServiceAccount", "StatefulSet"], bootstrap.Select(d => Scalar(d, "kind")).Order());
        await CheckMembersAsync([.. bootstrap, .. LoadAll("train-job.yaml")], bootstrap: true);
    }

    /// <summary>
    /// The members as Kubernetes would run them: pods 0.. of the StatefulSet behind its headless Service, each advertising
    /// its pod's DNS name, joining through seeds (pods 0 and 1 by those names) or through Cluster Bootstrap, probed on
    /// the health endpoints, with the TLS files from the Secret; and the training Job joining through the same names.
    /// </summary>
    private static async Task CheckMembersAsync(IReadOnlyList<YamlMappingNode> documents, bool bootstrap)
    {
        var statefulSet = Single(documents, "StatefulSet");
        var setName = Scalar(Map(statefulSet, "metadata"), "name");
        var podSpec = Map(Map(Map(statefulSet, "spec"), "template"), "spec");
        var podLabels = Map(Map(Map(Map(statefulSet, "spec"), "template"), "metadata"), "labels");
        var container = (YamlMappingNode)Seq(podSpec, "containers").Single();
        var args = Args(container);
        Assert.Equal("node", args[0]);
        var options = await KnownOptionsAsync();
        AssertKnown(options["node"], args, "statefulset");

        // The headless service selects the pods, names the StatefulSet's DNS and publishes it before they are ready.
        var service = Single(documents, "Service");
        var serviceName = Scalar(Map(service, "metadata"), "name");
        Assert.Equal("None", Scalar(Map(service, "spec"), "clusterIP"));
        Assert.Equal("true", Scalar(Map(service, "spec"), "publishNotReadyAddresses"));
        Assert.Equal(Scalar(podLabels, "app"), Scalar(Map(Map(service, "spec"), "selector"), "app"));
        Assert.Equal(serviceName, Scalar(Map(statefulSet, "spec"), "serviceName"));

        // Each pod advertises its own stable DNS name, as Kubernetes expands it (every $(VARIABLE) defined).
        const string Namespace = "grad";
        string PublicHost(int pod) => Expand(ValueOf(args, "--public-host"), container, $"{setName}-{pod}", Namespace);
        Assert.Equal($"{setName}-2.{serviceName}.{Namespace}.svc.cluster.local", PublicHost(2));
        Assert.Equal("0.0.0.0", ValueOf(args, "--host"));
        var port = ValueOf(args, "--port");
        string[] podSeeds = [$"{PublicHost(0)}:{port}", $"{PublicHost(1)}:{port}"];
        foreach (var seed in podSeeds) Assert.Null(HostPort.ProblemWith(HostPort.Parse(seed).Host));

        var ports = Seq(container, "ports").Cast<YamlMappingNode>().ToDictionary(p => Scalar(p, "name"), p => Scalar(p, "containerPort"));
        var servicePorts = Seq(Map(service, "spec"), "ports").Cast<YamlMappingNode>().ToDictionary(p => Scalar(p, "name"), p => Scalar(p, "port"));
        Assert.Equal(port, ports["remoting"]);
        Assert.Equal(ValueOf(args, "--management-port"), ports["health"]);
        if (bootstrap)
        {
            // Cluster Bootstrap finds the members (pods labelled with the service name) and probes the port named "management".
            Assert.Equal("kubernetes", ValueOf(args, "--discovery"));
            Assert.DoesNotContain("--seed", args);
            Assert.Equal(Scalar(podLabels, "app"), ValueOf(args, "--service-name"));
            Assert.Equal(ValueOf(args, "--bootstrap-port"), ports["management"]);
            Assert.Equal(ValueOf(args, "--bootstrap-port"), servicePorts["management"]);
            CheckRbac(documents);
            Assert.Equal(Scalar(Map(Single(documents, "ServiceAccount"), "metadata"), "name"), Scalar(podSpec, "serviceAccountName"));
            Assert.Equal("true", Scalar(podSpec, "automountServiceAccountToken"));
        }
        else
        {
            // Seeds: pods 0 and 1 by the names they advertise. No Akka.Management, no Kubernetes API, no RBAC.
            Assert.Equal(podSeeds, ValuesOf(args, "--seed").Select(s => Expand(s, container, $"{setName}-2", Namespace)));
            Assert.DoesNotContain("--discovery", args);
            Assert.DoesNotContain("management", ports.Keys);
            Assert.DoesNotContain("management", servicePorts.Keys);
            Assert.DoesNotContain(documents, d => Scalar(d, "kind") is "ServiceAccount" or "Role" or "RoleBinding");
            Assert.False(podSpec.Children.ContainsKey(new YamlScalarNode("serviceAccountName")));
            Assert.Equal("false", Scalar(podSpec, "automountServiceAccountToken"));
        }

        // The kubelet probes the health endpoints on the --management-port.
        foreach (var (probe, path) in new[] { ("readinessProbe", ClusterHealth.ReadyPath), ("livenessProbe", ClusterHealth.AlivePath) })
        {
            var get = Map(Map(container, probe), "httpGet");
            Assert.Equal(path, Scalar(get, "path"));
            Assert.Equal("health", Scalar(get, "port"));
        }

        // The TLS files come from the Secret's volume.
        var mount = Seq(container, "volumeMounts").Cast<YamlMappingNode>().Single(m => Scalar(m, "name") == "certs");
        foreach (var file in new[] { "--tls-cert", "--tls-key", "--tls-ca" })
            Assert.StartsWith(Scalar(mount, "mountPath") + "/", ValueOf(args, file));
        var volume = Seq(podSpec, "volumes").Cast<YamlMappingNode>().Single(v => Scalar(v, "name") == "certs");
        Assert.Equal("actorgrad-tls", Scalar(Map(volume, "secret"), "secretName"));
        Assert.Equal("true", Scalar(Map(podSpec, "securityContext"), "runAsNonRoot"));

        // The training client joins through the members' seeds, by the very names they advertise (Akka drops messages
        // sent to a member under another name).
        var job = Single(documents, "Job");
        var trainContainer = (YamlMappingNode)Seq(Map(Map(Map(job, "spec"), "template"), "spec"), "containers").Single();
        var train = Args(trainContainer);
        AssertKnown(options["train"], train, "train job");
        Assert.Equal(podSeeds, ValuesOf(train, "--seed").Select(s => Expand(s, trainContainer, "actorgrad-train-x", Namespace)));
    }

    /// <summary>Discovery may read pods, through the pods' service account, and nothing else.</summary>
    private static void CheckRbac(IReadOnlyList<YamlMappingNode> documents)
    {
        var account = Scalar(Map(Single(documents, "ServiceAccount"), "metadata"), "name");
        var role = Single(documents, "Role");
        var rule = (YamlMappingNode)Seq(role, "rules").Single();
        Assert.Equal(["pods"], Strings(rule, "resources"));
        Assert.Equal(["get", "list", "watch"], Strings(rule, "verbs").Order());
        var binding = Single(documents, "RoleBinding");
        Assert.Equal(Scalar(Map(role, "metadata"), "name"), Scalar(Map(binding, "roleRef"), "name"));
        Assert.Equal(account, Scalar((YamlMappingNode)Seq(binding, "subjects").Single(), "name"));
    }

    /// <summary>
    /// An argument as Kubernetes expands it for a pod: $(NAME) of the container's env (a value, or the pod's name or
    /// namespace). Kubernetes keeps an undefined $(NAME) as written; here that fails the test.
    /// </summary>
    private static string Expand(string arg, YamlMappingNode container, string podName, string podNamespace)
    {
        var env = Seq(container, "env").Cast<YamlMappingNode>().ToDictionary(e => Scalar(e, "name"), e =>
            e.Children.ContainsKey(new YamlScalarNode("value")) ? Scalar(e, "value")
            : Scalar(Map(Map(e, "valueFrom"), "fieldRef"), "fieldPath") switch
            {
                "metadata.name" => podName,
                "metadata.namespace" => podNamespace,
                var other => other,
            });
        var expanded = Regex.Replace(arg, @"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", m => env.TryGetValue(m.Groups[1].Value, out var v) ? v : m.Value);
        Assert.DoesNotContain("$(", expanded);
        return expanded;
    }

    private static List<string> KustomizationList(string relativePath, string key) =>
        Strings((YamlMappingNode)Load(Path.Combine(DeployDir, "k8s", relativePath)).Single(), key);

    private static List<YamlMappingNode> LoadAll(params string[] k8sFiles) =>
        k8sFiles.SelectMany(f => Load(Path.Combine(DeployDir, "k8s", f))).Cast<YamlMappingNode>().ToList();

    private static YamlMappingNode Single(IEnumerable<YamlMappingNode> documents, string kind) =>
        Assert.Single(documents, d => Scalar(d, "kind") == kind);

    /// <summary>A container's args with --option=value split into two.</summary>
    private static List<string> Args(YamlMappingNode container) =>
        Strings(container, "args").SelectMany(a => a.StartsWith("--", StringComparison.Ordinal) ? a.Split('=', 2) : [a]).ToList();

    private static async Task<List<YamlMappingNode>> RenderAsync(string kubectl, string folder)
    {
        var (code, output) = await ChildProcess.RunAsync(kubectl, ["kustomize", Path.Combine(DeployDir, folder)], Repo.Bound(60));
        Assert.True(code == 0, output);
        var stream = new YamlStream();
        stream.Load(new StringReader(output));
        return stream.Documents.Select(d => (YamlMappingNode)d.RootNode).ToList();
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

    private static List<string> ValuesOf(IReadOnlyList<string> args, string option) =>
        args.Select((a, i) => (a, i)).Where(p => p.a == option && p.i + 1 < args.Count).Select(p => args[p.i + 1]).ToList();

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
