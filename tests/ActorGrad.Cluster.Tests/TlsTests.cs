using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ActorGrad.Engine.Actors;
using ActorGrad.Engine.Tensors;
using static ActorGrad.Cluster.Tests.ClusterTestSettings;
using ClusterMember = ActorGrad.Engine.Cluster.Cluster;

namespace ActorGrad.Cluster.Tests;

/// <summary>Members that share a certificate talk over TLS; a plaintext peer gets nowhere.</summary>
public sealed class TlsTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("actorgrad-tls-").FullName;
    private readonly List<ClusterMember> _members = [];
    private string CertFile => Path.Combine(_dir, "cluster.crt");
    private string KeyFile => Path.Combine(_dir, "cluster.key");

    public async Task InitializeAsync()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=actorgrad-test-cluster", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        await File.WriteAllTextAsync(CertFile, cert.ExportCertificatePem());
        await File.WriteAllTextAsync(KeyFile, key.ExportPkcs8PrivateKeyPem());
    }

    public async Task DisposeAsync()
    {
        foreach (var m in _members) await m.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private async Task<ClusterMember> Start(string name, bool tls, params string[] seeds)
    {
        var settings = Fast(name, seeds);
        if (tls) settings = settings with { TlsCertificateFile = CertFile, TlsKeyFile = KeyFile };
        var member = await ClusterMember.StartAsync(settings, Quiet);
        _members.Add(member);
        return member;
    }

    [Fact]
    public async Task Members_with_the_cluster_certificate_join_and_exchange_messages_over_tls()
    {
        var a = await Start("a", tls: true);
        var b = await Start("b", tls: true, a.SelfAddress.HostPort);
        await Task.WhenAll(a.WhenUp, b.WhenUp).WaitAsync(Bound);
        a.System.ActorOf(Props.Create(() => new EchoActor()), "echo");
        var echo = b.ActorAt(a.SelfAddress, "/user/echo");
        Assert.Equal("over tls", await echo.Ask<string>("over tls", Bound));
        var tensor = Tensor.RandomNormal(3, 64, 64);
        Assert.Equal(tensor.ToArray(), (await echo.Ask<Tensor>(tensor, Bound)).ToArray());
    }

    [Fact]
    public async Task A_plaintext_client_gets_no_frame_from_a_tls_member()
    {
        var a = await Start("a", tls: true);
        await a.WhenUp.WaitAsync(Bound);
        await using var raw = await RawConnection.ConnectAsync(a.SelfAddress.Port);
        await raw.SendAsync(new Protocol.Wire.Frame { Heartbeat = new Protocol.Wire.Heartbeat { Sequence = 1 } });
        raw.FinishSending();
        // The bytes are not a TLS ClientHello: the member closes the connection without a frame.
        Assert.Null(await raw.ReadFrameAsync(Bound));
        Assert.True(a.RejectedConnections > 0 || a.Members.Count == 1);
    }

    [Fact]
    public async Task A_member_without_tls_cannot_join_a_tls_cluster()
    {
        var a = await Start("a", tls: true);
        await a.WhenUp.WaitAsync(Bound);
        var warnings = new TestKit.TestProbe(a.System);
        a.System.EventStream.Subscribe(warnings.Ref, typeof(LogEvent));
        var plain = await Start("plain", tls: false, a.SelfAddress.HostPort);
        await warnings.FishForMessageAsync<LogEvent>(e => e.Level == LogLevel.Warning, Bound);
        Assert.False(plain.WhenUp.IsCompleted);
        Assert.Single(a.Members);
    }

    [Fact]
    public async Task A_member_with_another_certificate_is_refused()
    {
        var a = await Start("a", tls: true);
        await a.WhenUp.WaitAsync(Bound);
        var warnings = new TestKit.TestProbe(a.System);
        a.System.EventStream.Subscribe(warnings.Ref, typeof(LogEvent));
        using var otherKey = RSA.Create(2048);
        using var other = new CertificateRequest("CN=someone-else", otherKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var otherCert = Path.Combine(_dir, "other.crt");
        var otherKeyFile = Path.Combine(_dir, "other.key");
        await File.WriteAllTextAsync(otherCert, other.ExportCertificatePem());
        await File.WriteAllTextAsync(otherKeyFile, otherKey.ExportPkcs8PrivateKeyPem());
        var stranger = await ClusterMember.StartAsync(Fast("stranger", a.SelfAddress.HostPort) with { TlsCertificateFile = otherCert, TlsKeyFile = otherKeyFile }, Quiet);
        _members.Add(stranger);
        await warnings.FishForMessageAsync<LogEvent>(e => e.Level == LogLevel.Warning && e.Message.Contains("Refused the connection"), Bound);
        Assert.False(stranger.WhenUp.IsCompleted);
        Assert.Single(a.Members);
    }

    [Fact]
    public async Task A_missing_or_broken_certificate_is_a_clear_error_at_start()
    {
        var missing = await Assert.ThrowsAsync<FileNotFoundException>(() =>
            ClusterMember.StartAsync(Fast("x") with { TlsCertificateFile = Path.Combine(_dir, "nope.crt") }, Quiet));
        Assert.Contains("nope.crt", missing.Message);
        var broken = Path.Combine(_dir, "broken.crt");
        await File.WriteAllTextAsync(broken, "not a certificate");
        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            ClusterMember.StartAsync(Fast("x") with { TlsCertificateFile = broken, TlsKeyFile = KeyFile }, Quiet));
        Assert.Contains("Cannot load the TLS certificate", error.Message);
    }
}
