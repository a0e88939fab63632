using ActorGrad.Protocol.Nodes;
using ActorGrad.Protocol.Serialization;
using Akka.Actor;
using Akka.Hosting;
using Akka.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ActorGrad.Protocol.Tests.Serialization;

/// <summary>Both ways to configure the wire — HOCON for a plain ActorSystem, Akka.Hosting's builder — give the same strict bindings.</summary>
public class ConfigurationTests
{
    private sealed record NotBound(int Value);

    private static void AssertStrict(ActorSystem system)
    {
        var serialization = system.Serialization;
        foreach (var type in SampleMessages.MessageTypes)
            Assert.IsType<ActorGradSerializer>(serialization.FindSerializerForType(type));
        Assert.IsType<UnboundTypeSerializer>(serialization.FindSerializerForType(typeof(NotBound)));
        Assert.IsType<ByteArraySerializer>(serialization.FindSerializerForType(typeof(byte[])));
        // Akka's JSON serializer (id 1) is not there to decode a payload that names it.
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serialization.Deserialize("{}"u8.ToArray(), 1, typeof(NotBound).AssemblyQualifiedName));
    }

    [Fact]
    public async Task APlainActorSystemWithTheHoconIsStrict()
    {
        var system = ActorSystem.Create("plain", WireSerialization.Config);
        try { AssertStrict(system); }
        finally { await system.Terminate(); }
    }

    [Fact]
    public async Task AHostedActorSystemWithTheBuilderExtensionIsStrict()
    {
        using var host = new HostBuilder()
            .ConfigureServices(services => services.AddAkka("hosted", builder => builder.WithActorGradSerialization()))
            .Build();
        await host.StartAsync();
        try { AssertStrict(host.Services.GetRequiredService<ActorSystem>()); }
        finally { await host.StopAsync(); }
    }

    [Fact]
    public void TheHoconNamesEveryMessageTypeAndBothSerializers()
    {
        var hocon = WireSerialization.Hocon();
        Assert.Contains($"\"{typeof(Gradient).FullName}, ActorGrad.Protocol\" = actorgrad", hocon);
        Assert.Contains("\"System.Object\" = actorgrad-unbound", hocon);
        Assert.Contains(typeof(ActorGradSerializer).FullName!, hocon);
    }
}
