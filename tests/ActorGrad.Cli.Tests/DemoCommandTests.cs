using System.Globalization;
using System.Text.RegularExpressions;
using ActorGrad.Cli.Commands;

namespace ActorGrad.Cli.Tests;

public class DemoCommandTests
{
    [Fact]
    public void DemoTrainsAndTheLossFalls()
    {
        var output = new StringWriter();
        Assert.Equal(0, DemoCommand.Run(output, steps: 40, learningRate: 1f, seed: 7));
        var losses = Regex.Matches(output.ToString(), @"loss (\d+\.\d+)  accuracy")
            .Select(m => float.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToArray();
        Assert.True(losses.Length >= 3, output.ToString());
        Assert.True(losses[^1] < losses[0] * 0.8f, output.ToString());
        Assert.Contains("live node actors after training: 4", output.ToString());
    }

    [Fact]
    public void DemoIsDeterministicForASeed()
    {
        var a = new StringWriter();
        var b = new StringWriter();
        DemoCommand.Run(a, 5, 1f, 3);
        DemoCommand.Run(b, 5, 1f, 3);
        Assert.Equal(a.ToString(), b.ToString());
    }

    [Fact]
    public async Task CommandLineParsesAndRejectsBadInput()
    {
        var root = Program.BuildRoot();
        Assert.Equal(0, await root.Parse(["demo", "--steps", "3"]).InvokeAsync());
        Assert.NotEqual(0, await root.Parse(["demo", "--steps", "many"]).InvokeAsync());
        Assert.NotEqual(0, await root.Parse(["no-such-command"]).InvokeAsync());
    }
}
