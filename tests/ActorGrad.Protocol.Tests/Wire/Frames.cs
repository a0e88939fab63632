using System.Buffers;
using ActorGrad.Protocol.Wire;
using Google.Protobuf;

namespace ActorGrad.Protocol.Tests.Wire;

/// <summary>Sample frames and byte-sequence helpers shared by the wire tests.</summary>
internal static class Frames
{
    public static UniqueAddress Address(ulong uid = 7, int port = 2552) => new() { System = "sys", Host = "127.0.0.1", Port = port, Uid = uid };

    /// <summary>One frame of every kind, each with some fields set.</summary>
    public static IEnumerable<Frame> OfEveryKind()
    {
        yield return new Frame { Hello = new Hello { ProtocolVersion = 1, ClusterName = "c", From = Address(), Nonce = ByteString.CopyFrom(new byte[32]) } };
        yield return new Frame { Challenge = new Challenge { ProtocolVersion = 1, ClusterName = "c", From = Address(8), Nonce = ByteString.CopyFrom(new byte[32]), Proof = ByteString.CopyFromUtf8("p") } };
        yield return new Frame { Proof = new Proof { Mac = ByteString.CopyFromUtf8("mac") } };
        yield return new Frame { Accepted = new HandshakeAccepted() };
        yield return new Frame { Rejected = new HandshakeRejected { Reason = "wrong secret" } };
        yield return new Frame { Heartbeat = new Heartbeat { From = Address(), Sequence = 42, SentAtMicros = 123456789 } };
        yield return new Frame { HeartbeatAck = new HeartbeatAck { From = Address(), Sequence = 42 } };
        yield return new Frame { Join = new Join { Node = Address(9), Roles = { "worker" } } };
        yield return new Frame { Welcome = new Welcome { Gossip = Gossip() } };
        yield return new Frame { Gossip = Gossip() };
        yield return new Frame { Leave = new Leave { Node = Address(9) } };
        yield return new Frame { Envelope = new Envelope { Recipient = "actorgrad://sys@127.0.0.1:2552/user/a", Sender = "actorgrad://sys@127.0.0.1:2553/user/b", SenderMemberUid = 8, RecipientUid = 5, User = new UserMessage { SerializerId = 2, Manifest = "Gradient", Body = ByteString.CopyFrom(1, 2, 3), PassId = 77 } } };
        yield return new Frame { Envelope = new Envelope { Recipient = "actorgrad://sys@h:1/user/a", Sender = "actorgrad://sys@h:2/user/w", Watch = new Watch() } };
        yield return new Frame { Envelope = new Envelope { Recipient = "actorgrad://sys@h:1/user/w", Sender = "actorgrad://sys@h:2/user/a", Unwatch = new Unwatch() } };
        yield return new Frame { Envelope = new Envelope { Recipient = "actorgrad://sys@h:1/user/w", Sender = "actorgrad://sys@h:2/user/a", Terminated = new DeathWatchNotification { ExistenceConfirmed = true, AddressTerminated = true } } };
    }

    public static Gossip Gossip() => new()
    {
        From = Address(),
        Version = 3,
        Members =
        {
            new Member { Address = Address(7), Status = MemberStatus.Up, Version = 2 },
            new Member { Address = Address(8, 2553), Status = MemberStatus.Unreachable, Version = 5, Roles = { "seed" } },
        },
    };

    /// <summary>The same bytes as a sequence of segments of the given sizes (the last takes the rest).</summary>
    public static ReadOnlySequence<byte> Segmented(byte[] bytes, int segmentSize)
    {
        if (bytes.Length == 0) return ReadOnlySequence<byte>.Empty;
        Segment? first = null, last = null;
        for (var offset = 0; offset < bytes.Length; offset += segmentSize)
        {
            var chunk = bytes.AsMemory(offset, Math.Min(segmentSize, bytes.Length - offset));
            if (first is null) first = last = new Segment(chunk, 0);
            else last = last!.Append(chunk);
        }
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
