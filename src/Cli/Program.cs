using System.CommandLine;
using ActorGrad.Cli.Commands;

namespace ActorGrad.Cli;

public static class Program
{
    public static Task<int> Main(string[] args) => BuildRoot().Parse(args).InvokeAsync();

    /// <summary>Every sub-command lives in its own file under Commands/ and is listed here once.</summary>
    internal static RootCommand BuildRoot()
    {
        var root = new RootCommand("actorgrad: actor-based automatic differentiation");
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(NodeCommand.Create());
        return root;
    }
}
