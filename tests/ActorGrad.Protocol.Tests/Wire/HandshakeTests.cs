using System.Text;
using ActorGrad.Protocol.Wire;
using Google.Protobuf;

namespace ActorGrad.Protocol.Tests.Wire;

public class HandshakeTests
{
    private static readonly byte[] Secret = Encoding.UTF8.GetBytes("correct horse battery staple");
    private static readonly UniqueAddress Client = Frames.Address(11, 3001);
    private static readonly UniqueAddress Server = Frames.Address(22, 3002);

    /// <summary>Runs the four steps over encoded frames, as a transport would, and returns every frame sent.</summary>
    private static List<Frame> Run(HandshakeAuthenticator client, HandshakeAuthenticator server)
    {
        var decoder = new FrameDecoder();
        Frame Wire(Frame f) => decoder.Decode(FrameEncoder.Encode(f)).Header;
        var sent = new List<Frame>();
        var hello = Wire(client.CreateHello(Client));
        sent.Add(hello);
        var answer = Wire(server.AnswerHello(hello.Hello, Server));
        sent.Add(answer);
        if (answer.KindCase != Frame.KindOneofCase.Challenge) return sent;
        var proof = Wire(client.AnswerChallenge(hello.Hello, answer.Challenge));
        sent.Add(proof);
        if (proof.KindCase != Frame.KindOneofCase.Proof) return sent;
        sent.Add(Wire(server.AnswerProof(hello.Hello, answer.Challenge, proof.Proof)));
        return sent;
    }

    [Fact]
    public void SameSecretAndClusterIsAccepted()
    {
        var frames = Run(new HandshakeAuthenticator("prod", Secret), new HandshakeAuthenticator("prod", Secret));
        Assert.Equal([Frame.KindOneofCase.Hello, Frame.KindOneofCase.Challenge, Frame.KindOneofCase.Proof, Frame.KindOneofCase.Accepted], frames.Select(f => f.KindCase));
        Assert.Equal(Client, frames[0].Hello.From);
        Assert.Equal(Server, frames[1].Challenge.From);
    }

    [Fact]
    public void ClientRejectsAServerWithAnotherSecret()
    {
        var frames = Run(new HandshakeAuthenticator("prod", Secret), new HandshakeAuthenticator("prod", "guess"u8));
        Assert.Equal(Frame.KindOneofCase.Rejected, frames[^1].KindCase);
        Assert.Contains("server's proof", frames[^1].Rejected.Reason);
    }

    [Fact]
    public void ServerRejectsAClientWithAnotherSecret()
    {
        // An impostor that ignores the server's proof and answers with a proof under its own secret.
        var server = new HandshakeAuthenticator("prod", Secret);
        var impostor = new HandshakeAuthenticator("prod", "guess"u8);
        var hello = impostor.CreateHello(Client).Hello;
        var challenge = server.AnswerHello(hello, Server).Challenge;
        // The impostor's own check fails (the server's proof is under the real secret)...
        Assert.Equal(Frame.KindOneofCase.Rejected, impostor.AnswerChallenge(hello, challenge).KindCase);

        // ...and whatever it sends instead, the server refuses.
        var guessed = new Proof { Mac = ByteString.CopyFrom(new System.Security.Cryptography.HMACSHA256("guess"u8.ToArray()).ComputeHash(challenge.Nonce.ToByteArray())) };
        Assert.Equal(Frame.KindOneofCase.Rejected, server.AnswerProof(hello, challenge, guessed).KindCase);
        var forged = new Proof { Mac = ByteString.CopyFrom(new byte[32]) };
        var answer = server.AnswerProof(hello, challenge, forged);
        Assert.Equal(Frame.KindOneofCase.Rejected, answer.KindCase);
        Assert.Contains("client's proof", answer.Rejected.Reason);
    }

    [Fact]
    public void AServerProofReflectedBackAsAClientProofIsRejected()
    {
        var server = new HandshakeAuthenticator("prod", Secret);
        var hello = new HandshakeAuthenticator("prod", Secret).CreateHello(Client).Hello;
        var challenge = server.AnswerHello(hello, Server).Challenge;
        var reflected = new Proof { Mac = challenge.Proof };
        Assert.Equal(Frame.KindOneofCase.Rejected, server.AnswerProof(hello, challenge, reflected).KindCase);
    }

    [Fact]
    public void AnOldChallengeCannotBeReplayedToANewConnection()
    {
        var server = new HandshakeAuthenticator("prod", Secret);
        var client = new HandshakeAuthenticator("prod", Secret);
        var hello1 = client.CreateHello(Client).Hello;
        var challenge1 = server.AnswerHello(hello1, Server).Challenge;
        var proof1 = client.AnswerChallenge(hello1, challenge1).Proof;
        // A recorded proof from connection 1 does not open connection 2 (fresh server nonce).
        var challenge2 = server.AnswerHello(hello1, Server).Challenge;
        Assert.NotEqual(challenge1.Nonce, challenge2.Nonce);
        Assert.Equal(Frame.KindOneofCase.Rejected, server.AnswerProof(hello1, challenge2, proof1).KindCase);
    }

    [Fact]
    public void OtherClusterOrVersionIsRejectedWithAClearReason()
    {
        var frames = Run(new HandshakeAuthenticator("staging", Secret), new HandshakeAuthenticator("prod", Secret));
        Assert.Contains("'staging'", frames[^1].Rejected.Reason);
        Assert.Contains("'prod'", frames[^1].Rejected.Reason);

        var server = new HandshakeAuthenticator("prod", Secret);
        var hello = new HandshakeAuthenticator("prod", Secret).CreateHello(Client).Hello;
        hello.ProtocolVersion = 99;
        var answer = server.AnswerHello(hello, Server);
        Assert.Contains("version 99", answer.Rejected.Reason);

        hello.ProtocolVersion = WireProtocol.Version;
        hello.Nonce = ByteString.CopyFrom(1, 2, 3);
        Assert.Contains("nonce", server.AnswerHello(hello, Server).Rejected.Reason);
        hello.Nonce = ByteString.CopyFrom(new byte[HandshakeAuthenticator.NonceBytes]);
        hello.From = null;
        Assert.Contains("who it is", server.AnswerHello(hello, Server).Rejected.Reason);
    }

    [Fact]
    public void TheSecretNeverTravels()
    {
        var frames = Run(new HandshakeAuthenticator("prod", Secret), new HandshakeAuthenticator("prod", Secret));
        foreach (var frame in frames)
        {
            var bytes = FrameEncoder.Encode(frame);
            Assert.Equal(-1, bytes.AsSpan().IndexOf(Secret));
        }
    }

    [Fact]
    public void EmptySecretOrClusterNameIsRefused()
    {
        Assert.Throws<ArgumentException>(() => new HandshakeAuthenticator("prod", ReadOnlySpan<byte>.Empty));
        Assert.Throws<ArgumentException>(() => new HandshakeAuthenticator(" ", Secret));
    }
}
