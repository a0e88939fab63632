using ActorGrad.Protocol.Nodes;
using ActorGrad.Protocol.Tensors;

namespace ActorGrad.Protocol.Tests.Serialization;

/// <summary>Compares a message with its decoded copy field by field: tensors bit for bit, exceptions by type name and message chain.</summary>
internal static class WireAssert
{
    public static void SameMessage(object expected, object actual)
    {
        Assert.Equal(expected.GetType(), actual.GetType());
        foreach (var property in expected.GetType().GetProperties().Where(p => p.Name != "EqualityContract"))
        {
            var e = property.GetValue(expected);
            var a = property.GetValue(actual);
            switch (e)
            {
                case ITensorPayload tensor:
                    SameTensor(tensor, Assert.IsAssignableFrom<ITensorPayload>(a));
                    break;
                case Exception exception:
                    SameException(exception, Assert.IsAssignableFrom<Exception>(a));
                    break;
                default:
                    Assert.Equal(e, a);
                    break;
            }
        }
    }

    public static void SameTensor(ITensorPayload expected, ITensorPayload actual)
    {
        Assert.Equal(expected.Dimensions.ToArray(), actual.Dimensions.ToArray());
        Assert.Equal(Bits(expected.Values), Bits(actual.Values));
    }

    public static int[] Bits(ReadOnlySpan<float> values)
    {
        var bits = new int[values.Length];
        for (var i = 0; i < values.Length; i++) bits[i] = BitConverter.SingleToInt32Bits(values[i]);
        return bits;
    }

    public static void SameException(Exception expected, Exception actual)
    {
        for (Exception? e = expected, a = actual; e is not null || a is not null; e = e!.InnerException, a = a!.InnerException)
        {
            Assert.NotNull(e);
            var remote = Assert.IsType<RemoteNodeException>(a);
            Assert.Equal(e is RemoteNodeException r ? r.RemoteTypeName : e!.GetType().FullName, remote.RemoteTypeName);
            Assert.Equal(e.Message, remote.Message);
        }
    }
}
