using System.Globalization;

namespace ActorGrad.Deploy.Tests;

/// <summary>Where the checkout and the built `actorgrad` command are, and the time bounds (upper bounds, never sleeps).</summary>
internal static class Repo
{
    public static string Root { get; } = FindRoot();

    /// <summary>src/Cli's actorgrad.dll in the configuration this test assembly was built in (built before the tests: a project reference).</summary>
    public static string CliAssembly { get; } = Path.Combine(Root, "src", "Cli", "bin",
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}") ? "Debug" : "Release", "net10.0", "actorgrad.dll");

    /// <summary>CI runs everything on 2 cores and sets ACTORGRAD_TEST_TIME_FACTOR=3.</summary>
    public static readonly double TimeFactor =
        double.TryParse(Environment.GetEnvironmentVariable("ACTORGRAD_TEST_TIME_FACTOR"), NumberStyles.Float, CultureInfo.InvariantCulture, out var f) && f > 0 ? f : 1;

    public static TimeSpan Bound(int seconds) => TimeSpan.FromSeconds(seconds * TimeFactor);

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ActorGrad.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException($"No ActorGrad.sln above {AppContext.BaseDirectory}.");
    }
}
