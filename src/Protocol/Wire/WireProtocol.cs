namespace ActorGrad.Protocol.Wire;

/// <summary>Constants of the member-to-member wire format.</summary>
public static class WireProtocol
{
    /// <summary>The version this build speaks; a peer with another version is refused at the handshake.</summary>
    public const uint Version = 1;

    /// <summary>Default largest frame (length prefix excluded): 64 MiB, a 16M-float tensor.</summary>
    public const int DefaultMaxFrameBytes = 64 * 1024 * 1024;

    /// <summary>Bytes before the header: the frame length and the header length, both uint32 little-endian.</summary>
    public const int PrefixBytes = 8;

    /// <summary>Bytes of the frame-length field alone (the frame length counts everything after it).</summary>
    public const int LengthFieldBytes = 4;

    /// <summary>Refuses a peer's version with a message that names both versions.</summary>
    public static void EnsureSupported(uint peerVersion)
    {
        if (peerVersion != Version)
            throw new ProtocolVersionException(peerVersion);
    }
}

/// <summary>A peer speaks a protocol version this build does not.</summary>
public sealed class ProtocolVersionException(uint peerVersion)
    : Exception($"The peer speaks wire protocol version {peerVersion}; this node speaks only version {WireProtocol.Version}.")
{
    public uint PeerVersion { get; } = peerVersion;
}
