using ActorGrad.Protocol.Nodes;

namespace ActorGrad.Protocol.Tests;

/// <summary>The node messages are the wire contract: a closed set of immutable records with value equality.</summary>
public class NodeMessageContractTests
{
    private static readonly Type[] MessageTypes = typeof(NodeMessage).Assembly.GetTypes()
        .Where(t => t.IsSubclassOf(typeof(NodeMessage))).ToArray();

    [Fact]
    public void EveryNodeMessageIsASealedRecord()
    {
        Assert.NotEmpty(MessageTypes);
        foreach (var type in MessageTypes)
        {
            Assert.True(type.IsSealed, $"{type.Name} must be sealed: the message set is closed.");
            Assert.NotNull(type.GetMethod("<Clone>$")); // only records have it
            Assert.All(type.GetProperties(), p => Assert.False(p.SetMethod is { IsPublic: true } && !p.SetMethod.ReturnParameter.GetRequiredCustomModifiers().Any(),
                $"{type.Name}.{p.Name} must not be settable after construction."));
        }
    }

    [Fact]
    public void MessagesCompareByValue()
    {
        Assert.Equal(new PreparePass(3, 2, true), new PreparePass(3, 2, true));
        Assert.NotEqual(new PreparePass(3, 2, true), new PreparePass(4, 2, true));
        Assert.Equal(new Subscribe(1), new Subscribe(1));
        Assert.Equal(new LeafReported(9), new LeafReported(9));
    }

    [Fact]
    public void NoMessageNamesAnActor()
    {
        // Who is meant is always the envelope's sender, so records travel unchanged between processes:
        // their properties are plain data, ids, exceptions and tensor payloads.
        foreach (var type in MessageTypes)
        foreach (var property in type.GetProperties().Where(p => p.Name != "EqualityContract"))
        {
            var t = property.PropertyType;
            Assert.True(t.IsPrimitive || t.IsEnum || t == typeof(Exception) || t == typeof(Tensors.ITensorPayload),
                $"{type.Name}.{property.Name} is a {t.Name}, which is not plain wire data.");
        }
    }
}
