using System.Runtime.Serialization;
using ActorGrad.Protocol.Nodes;
using MessagePack;
using MessagePack.Formatters;

namespace ActorGrad.Protocol.Serialization;

/// <summary>
/// An exception on the wire: its inner-exception chain, outermost first, as <c>[[type, message, stackTrace], ...]</c>
/// (at most <see cref="WireLimits.MaxExceptionChain"/> levels). It always decodes to <see cref="RemoteNodeException"/>s
/// that name the original types: a type named by a payload is never instantiated.
/// </summary>
public sealed class ExceptionFormatter : IMessagePackFormatter<Exception?>
{
    public static readonly ExceptionFormatter Instance = new();

    /// <summary>Writes the chain; a null exception (an optional member of an annotated record) is nil.</summary>
    public void Serialize(ref MessagePackWriter writer, Exception? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }
        var levels = 0;
        for (var e = value; e is not null && levels < WireLimits.MaxExceptionChain; e = e.InnerException) levels++;
        writer.WriteArrayHeader(levels);
        var level = value;
        for (var i = 0; i < levels; i++, level = level.InnerException!)
        {
            writer.WriteArrayHeader(3);
            // A failure that already crossed a process keeps the type it started as.
            if (level is RemoteNodeException remote)
            {
                writer.Write(remote.RemoteTypeName);
                writer.Write(remote.Message);
                writer.Write(remote.RemoteStackTrace);
            }
            else
            {
                writer.Write(level.GetType().FullName ?? level.GetType().Name);
                writer.Write(level.Message);
                writer.Write(level.StackTrace);
            }
        }
    }

    public Exception? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) =>
        reader.TryReadNil() ? null : Read(ref reader, options);

    /// <summary>A required exception: nil is refused.</summary>
    public static RemoteNodeException Read(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        options.Security.DepthStep(ref reader);
        var levels = reader.ReadArrayHeader();
        if (levels is < 1 or > WireLimits.MaxExceptionChain)
            throw new SerializationException($"An exception chain of {levels} levels was received; 1 to {WireLimits.MaxExceptionChain} are accepted.");
        Span<(string Type, string Message, string? Stack)> chain = new (string, string, string?)[levels];
        for (var i = 0; i < levels; i++)
        {
            WireFields.Expect(ref reader, 3, "exception");
            chain[i] = (WireFields.ReadRequiredString(ref reader, "exception's type name"),
                WireFields.ReadRequiredString(ref reader, "exception's message"),
                reader.ReadString());
        }
        RemoteNodeException? inner = null;
        for (var i = levels - 1; i >= 0; i--) inner = new RemoteNodeException(chain[i].Type, chain[i].Message, chain[i].Stack, inner);
        reader.Depth--;
        return inner!;
    }
}
