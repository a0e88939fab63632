using System.Globalization;

namespace ActorGrad.TestKit;

/// <summary>Timeouts for tests, all dilated by one factor for slow machines.</summary>
public static class TestKitSettings
{
    /// <summary>The environment variable holding the factor every timeout is multiplied by.</summary>
    public const string TimeFactorVariable = "ACTORGRAD_TEST_TIME_FACTOR";

    public static double TimeFactor { get; } = ReadFactor();

    /// <summary>How long ExpectMsg waits when not told (dilated).</summary>
    public static TimeSpan DefaultExpectTimeout => Dilated(TimeSpan.FromSeconds(3));

    /// <summary>How long ExpectNoMsg listens when not told (dilated).</summary>
    public static TimeSpan DefaultNoMessageWait => Dilated(TimeSpan.FromMilliseconds(100));

    public static TimeSpan Dilated(TimeSpan duration) => duration == Timeout.InfiniteTimeSpan ? duration : duration * TimeFactor;

    private static double ReadFactor()
    {
        var text = Environment.GetEnvironmentVariable(TimeFactorVariable);
        if (string.IsNullOrWhiteSpace(text)) return 1.0;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) || f <= 0)
            throw new InvalidOperationException($"{TimeFactorVariable}='{text}' is not a positive number.");
        return f;
    }
}
