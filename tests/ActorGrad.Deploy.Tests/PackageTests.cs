using System.Globalization;
using System.IO.Compression;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace ActorGrad.Deploy.Tests;

/// <summary>
/// `dotnet pack` of the libraries, and samples/GettingStarted restored from those packages (PackageReference through
/// its nuget.config's folder feed, artifacts/packages) and run. Each run packs a version of its own (0.1.0-test.N), so
/// no package cached by an earlier run is used; that version is deleted from the feed and the NuGet cache at the end.
/// </summary>
public class PackageTests
{
    private static readonly string[] Libraries = ["ActorGrad.Protocol", "ActorGrad.Engine", "ActorGrad.Nodes", "ActorGrad.Cluster", "ActorGrad.TestKit"];

    [Fact]
    public async Task PackagesCarryTheirMetadataAndTheSampleRunsFromThem()
    {
        var version = $"{VersionPrefix()}-test.{DateTime.UtcNow:yyyyMMddHHmmss}{Environment.ProcessId}";
        var feed = Path.Combine(Repo.Root, "artifacts", "packages");
        var build = Directory.CreateTempSubdirectory("actorgrad-pack-").FullName;
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                    ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var environment = new Dictionary<string, string?> { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" };
        try
        {
            // Built apart from the checkout's bin/obj (--artifacts-path), so the tests' own build stays as it was.
            var (packed, packOutput) = await ChildProcess.RunAsync("dotnet",
                ["pack", Path.Combine(Repo.Root, "ActorGrad.Packages.slnf"), "-c", "Release", "-o", feed, "--artifacts-path", build,
                 $"-p:Version={version}"], Repo.Bound(300), environment: environment);
            Assert.True(packed == 0, packOutput);
            foreach (var id in Libraries)
            {
                Assert.True(File.Exists(Path.Combine(feed, $"{id}.{version}.snupkg")), $"no symbols package for {id}");
                CheckPackage(Path.Combine(feed, $"{id}.{version}.nupkg"), id, version);
            }

            var (ran, output) = await ChildProcess.RunAsync("dotnet",
                ["run", "--project", Path.Combine(Repo.Root, "samples", "GettingStarted"), "-c", "Release", $"-p:ActorGradVersion={version}",
                 "--artifacts-path", build], Repo.Bound(300), environment: environment);
            Assert.True(ran == 0, output);
            Assert.Contains("y = 28", output);
            Assert.Contains("x.grad = [0, 4, 8, 12]", output);
            var cluster = Regex.Match(output, @"cluster gradient: members (\d+), shards 4, loss (\S+) \(in-process (\S+)\), max abs difference (\S+)");
            Assert.True(cluster.Success, output);
            Assert.Equal("2", cluster.Groups[1].Value);
            Assert.InRange(double.Parse(cluster.Groups[4].Value, CultureInfo.InvariantCulture), 0, 1e-5);
            // Restored from the packages of this run, not from project references or an older version.
            var assets = File.ReadAllText(Directory.EnumerateFiles(build, "project.assets.json", SearchOption.AllDirectories)
                .Single(f => f.Contains("GettingStarted", StringComparison.OrdinalIgnoreCase)));
            Assert.Contains($"\"ActorGrad.Cluster/{version}\"", assets);
            Assert.Contains("\"type\": \"package\"", assets);
        }
        finally
        {
            foreach (var id in Libraries)
            {
                foreach (var ext in new[] { "nupkg", "snupkg" }) File.Delete(Path.Combine(feed, $"{id}.{version}.{ext}"));
                var cached = Path.Combine(cache, id.ToLowerInvariant(), version);
                if (Directory.Exists(cached)) Directory.Delete(cached, recursive: true);
            }
            Directory.Delete(build, recursive: true);
        }
    }

    /// <summary>The nuspec names the licence, the readme, the repository (with the commit: source link's data) and the version.</summary>
    private static void CheckPackage(string path, string id, string version)
    {
        using var zip = ZipFile.OpenRead(path);
        var nuspec = XDocument.Load(zip.Entries.Single(e => e.FullName == $"{id}.nuspec").Open());
        XNamespace ns = nuspec.Root!.Name.Namespace;
        var metadata = nuspec.Root.Element(ns + "metadata")!;
        Assert.Equal(id, metadata.Element(ns + "id")!.Value);
        Assert.Equal(version, metadata.Element(ns + "version")!.Value);
        Assert.Equal("MIT", metadata.Element(ns + "license")!.Value);
        Assert.Equal("README.md", metadata.Element(ns + "readme")!.Value);
        Assert.False(string.IsNullOrWhiteSpace(metadata.Element(ns + "description")!.Value));
        var repository = metadata.Element(ns + "repository")!;
        Assert.StartsWith("https://", repository.Attribute("url")!.Value);
        Assert.Matches("^[0-9a-f]{40}$", repository.Attribute("commit")!.Value);
        Assert.Contains(zip.Entries, e => e.FullName == "README.md");
        Assert.Contains(zip.Entries, e => e.FullName == "LICENSE");
        Assert.Contains(zip.Entries, e => e.FullName == $"lib/net10.0/{id}.dll");
        // Our packages depend on each other at this very version.
        foreach (var dependency in metadata.Descendants(ns + "dependency").Where(d => d.Attribute("id")!.Value.StartsWith("ActorGrad.", StringComparison.Ordinal)))
            Assert.Equal(version, dependency.Attribute("version")!.Value);
    }

    private static string VersionPrefix() =>
        XDocument.Load(Path.Combine(Repo.Root, "Directory.Build.props")).Descendants("VersionPrefix").Single().Value;
}
