using System.Diagnostics;

namespace ActorGrad.Cli.Pictures;

/// <summary>Graphviz's `dot`, where it is installed: DOT text in, SVG out. ActorGrad does not need it to write DOT.</summary>
internal static class Graphviz
{
    /// <summary>The `dot` executable on the PATH, or null.</summary>
    public static string? Find()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var folder in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(folder, OperatingSystem.IsWindows() ? "dot.exe" : "dot");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>Runs `dot -Tsvg` on <paramref name="dot"/> into <paramref name="svgPath"/>; an IOException says why it failed.</summary>
    public static void RenderSvg(string executable, string dot, string svgPath, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(executable)
        {
            ArgumentList = { "-Tsvg", "-o", Path.GetFullPath(svgPath) },
            RedirectStandardInput = true,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new IOException($"could not start {executable}.");
        var errors = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEndAsync();
        process.StandardInput.Write(dot);
        process.StandardInput.Close();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new IOException($"{executable} did not finish within {timeout.TotalSeconds:0} s.");
        }
        process.WaitForExit(); // the redirected streams drain
        if (process.ExitCode != 0) throw new IOException($"{executable} exited with code {process.ExitCode}: {errors.Result.Trim()} {output.Result.Trim()}".TrimEnd());
    }
}
