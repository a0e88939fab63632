using System.Globalization;
using System.Text.RegularExpressions;
using ActorGrad.Cli.Commands;

namespace ActorGrad.Cli.Tests;

/// <summary>`actorgrad demo` on its local cluster of 3 in-process members.</summary>
public class DemoCommandTests
{
    [Fact]
    public async Task DemoTrainsOnThreeMembersTheLossFallsAndTheGradientMatchesInProcess()
    {
        var output = new StringWriter();
        Assert.Equal(0, await DemoCommand.RunAsync(output, steps: 40, learningRate: 1f, seed: 7));
        var text = output.ToString();
        var losses = Regex.Matches(text, @"step +\d+  loss (\d+\.\d+)")
            .Select(m => float.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToArray();
        Assert.True(losses.Length >= 3, text);
        Assert.True(losses[^1] < losses[0] * 0.8f, text);
        var check = Regex.Match(text, @"gradient check: members (\d+), shards (\d+), max abs difference to in-process (\S+)");
        Assert.True(check.Success, text);
        Assert.Equal("3", check.Groups[1].Value); // every member got work
        var difference = double.Parse(check.Groups[3].Value, CultureInfo.InvariantCulture);
        Assert.InRange(difference, 0, 1e-5);
    }

    [Fact]
    public async Task CommandLineParsesAndRejectsBadInput()
    {
        var root = Program.BuildRoot();
        Assert.NotEqual(0, await root.Parse(["demo", "--steps", "many"]).InvokeAsync());
        Assert.NotEqual(0, await root.Parse(["no-such-command"]).InvokeAsync());
    }
}
