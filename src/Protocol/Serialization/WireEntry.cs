using MessagePack;

namespace ActorGrad.Protocol.Serialization;

public delegate void FieldWriter<in T>(ref MessagePackWriter writer, T message, MessagePackSerializerOptions options);

public delegate T FieldReader<out T>(ref MessagePackReader reader, MessagePackSerializerOptions options);

/// <summary>One row of the manifest table: a message type, its manifest, and how its fields cross the wire.</summary>
public abstract class WireEntry(string manifest, Type type)
{
    public string Manifest { get; } = manifest;
    public Type Type { get; } = type;

    internal abstract void Write(ref MessagePackWriter writer, object message, MessagePackSerializerOptions options);

    internal abstract object Read(ref MessagePackReader reader, MessagePackSerializerOptions options);
}

internal sealed class WireEntry<T>(string manifest, FieldWriter<T> write, FieldReader<T> read) : WireEntry(manifest, typeof(T))
    where T : class
{
    internal override void Write(ref MessagePackWriter writer, object message, MessagePackSerializerOptions options) =>
        write(ref writer, (T)message, options);

    internal override object Read(ref MessagePackReader reader, MessagePackSerializerOptions options) => read(ref reader, options);
}
