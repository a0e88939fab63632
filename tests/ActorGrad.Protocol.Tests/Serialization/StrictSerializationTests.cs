using ActorGrad.Protocol.Nodes;
using ActorGrad.Protocol.Serialization;
using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using Xunit.Abstractions;

namespace ActorGrad.Protocol.Tests.Serialization;

/// <summary>
/// Three ActorSystems with Akka.Remote on loopback: this TestKit's system and "b" use our strict serialization;
/// "legacy" is Akka's default, with the JSON fallback. An unbound type is refused and logged by name, and the
/// association keeps carrying later messages, in both directions.
/// </summary>
public class StrictSerializationTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly string TimeFactor =
        double.TryParse(Environment.GetEnvironmentVariable("ACTORGRAD_TEST_TIME_FACTOR"), out var f) && f > 0 ? f.ToString(System.Globalization.CultureInfo.InvariantCulture) : "1";

    private static Config Remote(bool strict)
    {
        var remote = ConfigurationFactory.ParseString($"""
            akka.actor.provider = remote
            akka.remote.dot-netty.tcp.hostname = 127.0.0.1
            akka.remote.dot-netty.tcp.port = 0
            akka.test.timefactor = {TimeFactor}
            """);
        return strict ? remote.WithFallback(WireSerialization.Config) : remote;
    }

    private readonly ActorSystem _b;
    private readonly IActorRef _echoOnB;

    public StrictSerializationTests(ITestOutputHelper output) : base(Remote(strict: true), "a", output)
    {
        _b = ActorSystem.Create("b", Remote(strict: true));
        _echoOnB = _b.ActorOf(Props.Create(() => new Echo()), "echo");
    }

    protected override void AfterAll()
    {
        Shutdown(_b);
        base.AfterAll();
    }

    /// <summary>A record no serializer is bound to.</summary>
    public sealed record NotBound(int Value);

    private sealed class Echo : ReceiveActor
    {
        public Echo() => ReceiveAny(message => Sender.Tell(message));
    }

    private async Task<IActorRef> Resolve(ActorSystem from, ActorSystem owner) =>
        await from.ActorSelection(new RootActorPath(((ExtendedActorSystem)owner).Provider.DefaultAddress) / "user" / "echo")
            .ResolveOne(Dilated(TimeSpan.FromSeconds(10)));

    [Fact]
    public async Task AnUnboundTypeIsLoggedByNameAndTheAssociationCarriesOn()
    {
        var echo = await Resolve(Sys, _b);
        var errors = CreateTestProbe();
        Sys.EventStream.Subscribe(errors.Ref, typeof(Error));

        echo.Tell(new PreparePass(1, 2, true), TestActor);
        ExpectMsg(new PreparePass(1, 2, true));

        echo.Tell(new NotBound(7), TestActor);
        var error = errors.ExpectMsg<Error>(Dilated(TimeSpan.FromSeconds(10)));
        Assert.Contains(nameof(NotBound), error.Message.ToString());
        var cause = Assert.IsType<System.Runtime.Serialization.SerializationException>(error.Cause);
        Assert.Contains(typeof(NotBound).FullName!, cause.Message);
        Assert.Contains("JSON fallback is off", cause.Message);

        // Later messages still travel, in order: had NotBound gone out, its echo would come first.
        echo.Tell(new Gradient(1, new Tensors.WireTensor([2], [0.5f, -0f])), TestActor);
        var gradient = ExpectMsg<Gradient>();
        Assert.Equal([0.5f, -0f], gradient.Value.Values.ToArray());
    }

    [Fact]
    public async Task APeerWithTheJsonFallbackCannotMakeUsDecodeJson()
    {
        var legacy = ActorSystem.Create("legacy", Remote(strict: false));
        try
        {
            var warnings = CreateTestProbe(_b);
            _b.EventStream.Subscribe(warnings.Ref, typeof(Warning));
            var probe = CreateTestProbe(legacy);
            var echo = await Resolve(legacy, _b);

            echo.Tell(new NotBound(7), probe.Ref); // JSON (serializer id 1) from the legacy side
            var refused = warnings.FishForMessage<Warning>(w => w.Message.ToString()!.Contains("serializer id [1]"), Dilated(TimeSpan.FromSeconds(10)));
            // Akka's JSON serializer is not registered at all, so its id finds nothing (Akka's own message says so).
            Assert.Contains("Cannot find serializer with id [1]", Assert.IsType<System.Runtime.Serialization.SerializationException>(refused.Cause).Message);

            echo.Tell("after", probe.Ref); // strings are Akka.Remote's own: the association is alive
            probe.ExpectMsg("after");
        }
        finally
        {
            Shutdown(legacy);
        }
    }
}
