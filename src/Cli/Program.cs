using System.CommandLine;
using ActorGrad.Cli.Commands;

namespace ActorGrad.Cli;

public static class Program
{
    // Signals are the commands' own business: `actorgrad node` lets its host leave the cluster on SIGTERM,
    // which System.CommandLine's default (cancel, then exit 143 after 2 s) would cut short.
    public static Task<int> Main(string[] args)
    {
        var parse = BuildRoot().Parse(args);
        // These commands promise exit 2 and one line for any bad argument, parse errors included.
        if (parse.Errors.Count > 0 && parse.CommandResult.Command.Name is "train" or "plot" or "graph")
        {
            Console.Error.WriteLine($"actorgrad {parse.CommandResult.Command.Name}: {parse.Errors[0].Message}");
            return Task.FromResult(Commands.TrainCommand.BadArguments);
        }
        return parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
    }

    /// <summary>Every sub-command lives in its own file under Commands/ and is listed here once.</summary>
    internal static RootCommand BuildRoot()
    {
        var root = new RootCommand("actorgrad: actor-based automatic differentiation");
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(NodeCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(CertsCommand.Create());
        root.Subcommands.Add(PlotCommand.Create());
        root.Subcommands.Add(GraphCommand.Create());
        return root;
    }
}
