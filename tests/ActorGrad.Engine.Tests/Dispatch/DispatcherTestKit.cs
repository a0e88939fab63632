using System.Globalization;
using Akka.Configuration;

namespace ActorGrad.Engine.Tests.Dispatch;

/// <summary>Akka's TestKit with ACTORGRAD_TEST_TIME_FACTOR as Akka's time factor (Engine tests do not depend on our TestKit project).</summary>
public abstract class DispatcherTestKit() : Akka.TestKit.Xunit2.TestKit(Config())
{
    private static Config Config()
    {
        var factor = Environment.GetEnvironmentVariable("ACTORGRAD_TEST_TIME_FACTOR");
        var value = double.TryParse(factor, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) && f > 0 ? f : 1.0;
        return ConfigurationFactory.ParseString($"akka.test.timefactor = {value.ToString(CultureInfo.InvariantCulture)}\nakka.loglevel = WARNING");
    }
}
