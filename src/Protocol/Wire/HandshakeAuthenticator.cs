using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;

namespace ActorGrad.Protocol.Wire;

/// <summary>
/// The handshake's decisions, free of I/O: a transport sends what these methods return and keeps the
/// messages it sent. Both sides prove knowledge of the shared secret with HMAC-SHA256 over both
/// nonces, the cluster name and the protocol version, each side under its own role label (so a
/// proof cannot be reflected back); the secret itself never travels. Proofs are compared in
/// constant time.
/// </summary>
public sealed class HandshakeAuthenticator
{
    public const int NonceBytes = 32;
    private static readonly byte[] ServerLabel = "actorgrad/handshake/server"u8.ToArray();
    private static readonly byte[] ClientLabel = "actorgrad/handshake/client"u8.ToArray();
    private readonly byte[] _secret;

    public HandshakeAuthenticator(string clusterName, ReadOnlySpan<byte> secret)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(clusterName);
        if (secret.IsEmpty) throw new ArgumentException("HandshakeAuthenticator: the cluster secret is empty.", nameof(secret));
        ClusterName = clusterName;
        _secret = secret.ToArray();
    }

    public string ClusterName { get; }

    /// <summary>Client, step 1: the opening message, with a fresh nonce.</summary>
    public Frame CreateHello(UniqueAddress self) => new()
    {
        Hello = new Hello
        {
            ProtocolVersion = WireProtocol.Version,
            ClusterName = ClusterName,
            From = self,
            Nonce = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(NonceBytes)),
        },
    };

    /// <summary>Server, step 2: a <see cref="Challenge"/> carrying the server's proof, or a rejection.</summary>
    public Frame AnswerHello(Hello hello, UniqueAddress self)
    {
        if (Refuse(hello.ProtocolVersion, hello.ClusterName, hello.Nonce, hello.From) is { } reason) return Rejected(reason);
        var serverNonce = RandomNumberGenerator.GetBytes(NonceBytes);
        return new Frame
        {
            Challenge = new Challenge
            {
                ProtocolVersion = WireProtocol.Version,
                ClusterName = ClusterName,
                From = self,
                Nonce = ByteString.CopyFrom(serverNonce),
                Proof = ByteString.CopyFrom(ComputeMac(ServerLabel, hello.Nonce.Span, serverNonce)),
            },
        };
    }

    /// <summary>Client, step 3: checks the server's proof, then proves itself, or rejects the server.</summary>
    public Frame AnswerChallenge(Hello sent, Challenge challenge)
    {
        if (Refuse(challenge.ProtocolVersion, challenge.ClusterName, challenge.Nonce, challenge.From) is { } reason) return Rejected(reason);
        if (!Matches(challenge.Proof, ComputeMac(ServerLabel, sent.Nonce.Span, challenge.Nonce.Span)))
            return Rejected("The server's proof does not match: it does not know this cluster's secret.");
        return new Frame { Proof = new Proof { Mac = ByteString.CopyFrom(ComputeMac(ClientLabel, sent.Nonce.Span, challenge.Nonce.Span)) } };
    }

    /// <summary>Server, step 4: accepts the client if its proof matches, else rejects it.</summary>
    public Frame AnswerProof(Hello hello, Challenge sent, Proof proof) =>
        Matches(proof.Mac, ComputeMac(ClientLabel, hello.Nonce.Span, sent.Nonce.Span))
            ? new Frame { Accepted = new HandshakeAccepted() }
            : Rejected("The client's proof does not match: it does not know this cluster's secret.");

    private string? Refuse(uint version, string clusterName, ByteString nonce, UniqueAddress? from)
    {
        if (version != WireProtocol.Version)
            return new ProtocolVersionException(version).Message;
        if (clusterName != ClusterName)
            return $"The peer belongs to cluster '{clusterName}', this node to '{ClusterName}'.";
        if (nonce.Length != NonceBytes)
            return $"The peer's nonce has {nonce.Length} bytes, expected {NonceBytes}.";
        if (from is null || from.Uid == 0 || string.IsNullOrEmpty(from.Host) || from.Port is <= 0 or > 65535)
            return "The peer did not say who it is (host, port and a non-zero uid are required).";
        return null;
    }

    private static Frame Rejected(string reason) => new() { Rejected = new HandshakeRejected { Reason = reason } };

    private static bool Matches(ByteString actual, byte[] expected) =>
        CryptographicOperations.FixedTimeEquals(actual.Span, expected);

    /// <summary>HMAC-SHA256(secret, label | version | cluster name | client nonce | server nonce), lengths prefixed.</summary>
    private byte[] ComputeMac(byte[] label, ReadOnlySpan<byte> clientNonce, ReadOnlySpan<byte> serverNonce)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _secret);
        AppendField(hmac, label);
        Span<byte> version = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(version, WireProtocol.Version);
        hmac.AppendData(version);
        AppendField(hmac, Encoding.UTF8.GetBytes(ClusterName));
        AppendField(hmac, clientNonce);
        AppendField(hmac, serverNonce);
        return hmac.GetHashAndReset();
    }

    // Length-prefixed so that no two different field sequences hash the same bytes.
    private static void AppendField(IncrementalHash hmac, ReadOnlySpan<byte> field)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, field.Length);
        hmac.AppendData(length);
        hmac.AppendData(field);
    }
}
