using System.Runtime.Serialization;
using ActorGrad.Protocol.Nodes;
using ActorGrad.Protocol.Serialization;

namespace ActorGrad.Protocol.Tests.Serialization;

public class ManifestTableTests
{
    [Fact]
    public void EveryNodeMessageHasARow()
    {
        Assert.NotEmpty(SampleMessages.MessageTypes);
        var inTable = WireManifests.Entries.Select(e => e.Type).ToHashSet();
        var missing = SampleMessages.MessageTypes.Where(t => !inTable.Contains(t)).Select(t => t.Name).ToArray();
        Assert.True(missing.Length == 0, $"Messages without a wire manifest (add them to WireManifests): {string.Join(", ", missing)}");
    }

    [Fact]
    public void ManifestsAreShortUniqueAndOnePerType()
    {
        Assert.Equal(WireManifests.Entries.Count, WireManifests.Entries.Select(e => e.Manifest).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(WireManifests.Entries.Count, WireManifests.Entries.Select(e => e.Type).Distinct().Count());
        Assert.All(WireManifests.Entries, e => Assert.Matches("^[a-z]{1,8}$", e.Manifest));
    }

    [Fact]
    public void ManifestsAreStable()
    {
        // A manifest travels in every message: renaming one breaks members of different versions. Change only with a new manifest.
        var expected = new Dictionary<Type, string>
        {
            [typeof(Subscribe)] = "sub", [typeof(Unsubscribe)] = "unsub", [typeof(Forward)] = "fwd", [typeof(ForwardFailed)] = "fwdx",
            [typeof(ValueRequest)] = "vreq", [typeof(ValueReply)] = "vrep", [typeof(PreparePass)] = "pass", [typeof(Gradient)] = "grad",
            [typeof(LeafReported)] = "leaf", [typeof(PassFailed)] = "passx", [typeof(AbortPass)] = "abort", [typeof(GradRequest)] = "greq",
            [typeof(GradReply)] = "grep", [typeof(ZeroGrad)] = "zero", [typeof(RetainGrad)] = "retain", [typeof(SgdStep)] = "sgd",
            [typeof(HandleReleased)] = "free",
        };
        foreach (var (type, manifest) in expected) Assert.Equal(manifest, WireManifests.For(type).Manifest);
    }

    [Fact]
    public void AnUnknownManifestIsRefusedByName()
    {
        var error = Assert.Throws<SerializationException>(() => WireCodec.Decode(new byte[] { 0x90 }, "nosuch"));
        Assert.Contains("'nosuch'", error.Message);
    }

    private sealed record NotInTheTable(int X) : NodeMessage;

    [Fact]
    public void AMessageWithoutARowIsRefusedByName()
    {
        var error = Assert.Throws<SerializationException>(() => WireCodec.Encode(new NotInTheTable(1)));
        Assert.Contains(typeof(NotInTheTable).FullName!, error.Message);
        Assert.Contains(nameof(WireManifests), error.Message);
    }
}
