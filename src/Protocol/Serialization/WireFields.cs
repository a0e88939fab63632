using System.Runtime.Serialization;
using MessagePack;

namespace ActorGrad.Protocol.Serialization;

/// <summary>Reading a record's field array: exactly the fields this version writes (a changed record gets a new manifest).</summary>
internal static class WireFields
{
    public static void Expect(ref MessagePackReader reader, int fields, string what)
    {
        var count = reader.ReadArrayHeader();
        if (count != fields)
            throw new SerializationException($"A {what} has {count} fields on the wire; {fields} were expected.");
    }

    public static string ReadRequiredString(ref MessagePackReader reader, string what) =>
        reader.ReadString() ?? throw new SerializationException($"The {what} is nil; a string was expected.");
}
