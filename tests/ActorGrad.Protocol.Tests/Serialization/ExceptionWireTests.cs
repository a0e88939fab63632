using System.Runtime.Serialization;
using ActorGrad.Protocol.Nodes;
using ActorGrad.Protocol.Serialization;

namespace ActorGrad.Protocol.Tests.Serialization;

public class ExceptionWireTests
{
    [Fact]
    public void AFailureArrivesAsRemoteNodeExceptionsNamingTheOriginalTypes()
    {
        var cause = SampleMessages.Failure();
        var decoded = (PassFailed)WireCodec.Decode(WireCodec.Encode(new PassFailed(4, cause)), "passx");

        var outer = Assert.IsType<RemoteNodeException>(decoded.Cause);
        Assert.Equal("System.InvalidOperationException", outer.RemoteTypeName);
        Assert.Equal("forward of 'mul' failed", outer.Message);
        Assert.Contains(nameof(SampleMessages.Failure), outer.RemoteStackTrace);
        var inner = Assert.IsType<RemoteNodeException>(outer.InnerException);
        Assert.Equal("System.ArgumentOutOfRangeException", inner.RemoteTypeName);
        Assert.Equal(cause.InnerException!.Message, inner.Message);
        Assert.Null(inner.InnerException);
        Assert.Contains("remote System.InvalidOperationException", outer.ToString());
    }

    [Fact]
    public void AFailureSentOnAgainKeepsItsOriginalType()
    {
        var once = (ForwardFailed)WireCodec.Decode(WireCodec.Encode(new ForwardFailed(0, new KeyNotFoundException("no such op"))), "fwdx");
        var twice = (ForwardFailed)WireCodec.Decode(WireCodec.Encode(once), "fwdx");
        Assert.Equal(typeof(KeyNotFoundException).FullName, ((RemoteNodeException)twice.Cause).RemoteTypeName);
    }

    [Fact]
    public void AnExceptionWithoutAStackTraceTravels()
    {
        var decoded = (ForwardFailed)WireCodec.Decode(WireCodec.Encode(new ForwardFailed(1, new TimeoutException("late"))), "fwdx");
        Assert.Null(((RemoteNodeException)decoded.Cause).RemoteStackTrace);
    }

    [Fact]
    public void ALongChainIsCutAtTheCap()
    {
        Exception e = new InvalidOperationException("level 0");
        for (var i = 1; i < 20; i++) e = new InvalidOperationException($"level {i}", e);
        var decoded = (PassFailed)WireCodec.Decode(WireCodec.Encode(new PassFailed(1, e)), "passx");
        var depth = 0;
        for (var c = decoded.Cause; c is not null; c = c.InnerException) depth++;
        Assert.Equal(WireLimits.MaxExceptionChain, depth);
        Assert.Equal("level 19", decoded.Cause.Message);
    }

    [Fact]
    public void ATypeNamedOnTheWireIsNeverInstantiated()
    {
        // A payload naming a type that would do something when constructed still decodes to our exception type.
        byte[] payload = [0x92, 0x01, 0x91, 0x93, .. Str("System.IO.FileNotFoundException"), .. Str("boom"), 0xc0];
        var decoded = (PassFailed)WireCodec.Decode(payload, "passx");
        var cause = Assert.IsType<RemoteNodeException>(decoded.Cause);
        Assert.Equal("System.IO.FileNotFoundException", cause.RemoteTypeName);
    }

    [Theory]
    [InlineData(new byte[] { 0x92, 0x01, 0x90 }, "0 levels")]
    [InlineData(new byte[] { 0x92, 0x01, 0x91, 0x92, 0xa1, 0x41, 0xa1, 0x42 }, "2 fields")]
    [InlineData(new byte[] { 0x92, 0x01, 0x91, 0x93, 0xc0, 0xa1, 0x42, 0xc0 }, "type name is nil")]
    public void AMalformedExceptionIsRefused(byte[] payload, string expected)
    {
        var error = Assert.Throws<SerializationException>(() => WireCodec.Decode(payload, "passx"));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void AChainDeeperThanTheCapIsRefused()
    {
        var payload = new List<byte> { 0x92, 0x01, (byte)(0x90 | (WireLimits.MaxExceptionChain + 1)) };
        for (var i = 0; i <= WireLimits.MaxExceptionChain; i++) payload.AddRange([0x93, 0xa1, 0x41, 0xa1, 0x42, 0xc0]);
        var error = Assert.Throws<SerializationException>(() => WireCodec.Decode(payload.ToArray(), "passx"));
        Assert.Contains($"{WireLimits.MaxExceptionChain + 1} levels", error.Message);
    }

    private static byte[] Str(string text) => [(byte)(0xa0 | text.Length), .. System.Text.Encoding.UTF8.GetBytes(text)];
}
