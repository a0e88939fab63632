using System.Diagnostics;

namespace ActorGrad.Bench;

/// <summary>How the benchmarks end a child process they started: "quit" on its input, then a kill if it lingers.</summary>
internal static class ChildProcess
{
    public static void QuitOrKill(Process process, TimeSpan grace)
    {
        try
        {
            if (process.HasExited) return;
            try
            {
                process.StandardInput.WriteLine("quit");
                process.StandardInput.Close();
            }
            catch (IOException) { /* it is going anyway */ }
            if (process.WaitForExit(grace)) return;
            Console.Error.WriteLine($"The child process {process.Id} did not quit within {grace.TotalSeconds:0} s; killing it.");
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }
        catch (InvalidOperationException) { /* never started, or already reaped */ }
    }
}
