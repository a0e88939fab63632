using System.CommandLine;

namespace ActorGrad.Cli.Commands;

/// <summary>`actorgrad demo`: the main job, in-process, on an embedded default.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var command = new Command("demo", "Run the embedded default job in-process.");
        command.SetAction(_ =>
        {
            Console.WriteLine("actorgrad demo: nothing to show yet");
            return 0;
        });
        return command;
    }
}
