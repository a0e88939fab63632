using System.Globalization;
using ActorGrad.Engine.Dispatch;
using Akka.Configuration;

namespace ActorGrad.TestKit;

/// <summary>The configuration of a graph test's ActorSystem: our node dispatcher, and Akka's time factor from the environment.</summary>
public static class GraphTestKitConfig
{
    /// <summary>The environment variable holding the factor every timeout is multiplied by (Akka's akka.test.timefactor).</summary>
    public const string TimeFactorVariable = "ACTORGRAD_TEST_TIME_FACTOR";

    public static double TimeFactor { get; } = ParseTimeFactor(Environment.GetEnvironmentVariable(TimeFactorVariable));

    /// <summary>
    /// Akka config for a TestKit's system: <paramref name="config"/> (if any) over the time factor and
    /// the node dispatcher's registration. Built in code: Akka has no setup object for either.
    /// </summary>
    public static Config Create(Config? config = null)
    {
        var defaults = ConfigurationFactory.ParseString(
            $"akka.test.timefactor = {TimeFactor.ToString(CultureInfo.InvariantCulture)}\nakka.loglevel = WARNING")
            .WithFallback(NodeDispatcher.Config);
        return config is null ? defaults : config.WithFallback(defaults);
    }

    /// <summary>The factor in <paramref name="text"/> (1 when unset); a clear error for anything but a positive number.</summary>
    public static double ParseTimeFactor(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return 1.0;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) || f <= 0)
            throw new InvalidOperationException($"{TimeFactorVariable}='{text}' is not a positive number.");
        return f;
    }
}
