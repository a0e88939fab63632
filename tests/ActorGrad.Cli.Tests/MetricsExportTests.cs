using ActorGrad.Cli.Member;

namespace ActorGrad.Cli.Tests;

/// <summary>`actorgrad node --metrics`: none, prometheus:PORT or otlp:URL, anything else refused with one line.</summary>
public class MetricsExportTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("none")]
    public void NothingIsExportedUnlessAsked(string? text) => Assert.Equal(MetricsExport.Kind.None, MetricsExport.Parse(text).Exporter);

    [Fact]
    public void PrometheusTakesAPortAndOtlpAUrl()
    {
        var prometheus = MetricsExport.Parse("prometheus:9464");
        Assert.Equal((MetricsExport.Kind.Prometheus, 9464), (prometheus.Exporter, prometheus.Port));
        var otlp = MetricsExport.Parse("otlp:http://collector:4317");
        Assert.Equal(MetricsExport.Kind.Otlp, otlp.Exporter);
        Assert.Equal(new Uri("http://collector:4317"), otlp.Endpoint);
    }

    [Theory]
    [InlineData("prometheus", "--metrics prometheus:PORT needs a port 1..65535")]
    [InlineData("prometheus:70000", "--metrics prometheus:PORT needs a port 1..65535")]
    [InlineData("otlp:collector", "--metrics otlp:URL needs an http(s) URL")]
    [InlineData("statsd:8125", "--metrics must be none, prometheus:PORT or otlp:URL, not 'statsd:8125'")]
    public void BadSettingsAreRefused(string text, string message) =>
        Assert.Contains(message, Assert.Throws<ArgumentException>(() => MetricsExport.Parse(text)).Message);

    [Theory]
    [InlineData("0.0.0.0", "*")]
    [InlineData("127.0.0.1", "127.0.0.1")]
    [InlineData("::1", "[::1]")]
    public void TheListenerBindsTheNodesHost(string host, string listen) => Assert.Equal(listen, MetricsExport.ListenHost(host));
}
