using System.Runtime.Serialization;

namespace ActorGrad.Protocol.Specs;

/// <summary>A graph spec arrived in a format version this member does not read (a newer or older submitter).</summary>
public sealed class UnsupportedSpecFormatException(int version)
    : SerializationException($"A graph spec of format version {version} arrived; this member reads format versions {GraphSpec.OldestReadableFormatVersion} to {GraphSpec.CurrentFormatVersion}. Submit the spec from a client of the same ActorGrad version as the cluster, or upgrade the members.")
{
    public int Version { get; } = version;
}
