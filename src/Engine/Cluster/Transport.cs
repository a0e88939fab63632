using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using ActorGrad.Engine.Actors;
using ActorGrad.Protocol.Wire;

namespace ActorGrad.Engine.Cluster;

/// <summary>
/// TCP between members: one listener, one association per peer address, one connection per pair
/// of members. A connection carries nothing but handshake frames until both sides have proven the
/// cluster secret. When two members dial each other at once, the connection dialled by the lower
/// address wins (both sides apply the same rule, so they agree without another round trip).
/// </summary>
internal sealed class Transport : IAsyncDisposable
{
    private const string Source = "cluster.transport";
    private static readonly TimeSpan RetryBackoff = TimeSpan.FromMilliseconds(500);
    /// <summary>A handshake refused by either side (secret, cluster name, version) will fail the same way for a while: back off up to this.</summary>
    private static readonly TimeSpan MaxRefusedBackoff = TimeSpan.FromSeconds(30);
    private readonly ClusterSettings _settings;
    private readonly HandshakeAuthenticator _auth;
    private readonly LoggingAdapter _log;
    private readonly Socket _listener;
    private readonly ConcurrentDictionary<string, Association> _associations = new();
    private readonly ConcurrentDictionary<ulong, byte> _quarantined = new();
    private readonly ConcurrentDictionary<Connection, byte> _connections = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly X509Certificate2? _certificate;
    private ITransportHandler? _handler;
    private Task? _acceptLoop;

    public Transport(ClusterSettings settings, Socket boundListener, MemberAddress self, LoggingAdapter log)
    {
        _settings = settings;
        _listener = boundListener;
        Self = self;
        _log = log;
        _auth = new HandshakeAuthenticator(settings.ClusterName, settings.Secret);
        _certificate = TlsCertificates.Load(settings);
    }

    public MemberAddress Self { get; }
    public long FramesRejected => Interlocked.Read(ref _framesRejected);
    private long _framesRejected;

    /// <summary>
    /// A restarted member must bind its port while the old incarnation's connections sit in
    /// TIME_WAIT: plain SO_REUSEADDR allows that. .NET's ReuseAddress option also sets SO_REUSEPORT on
    /// Linux, which would let a second process listen on the same port and steal connections.
    /// </summary>
    private static void AllowRebindAfterRestart(Socket socket)
    {
        const int solSocket = 1, soReuseAddr = 2; // Linux values
        if (OperatingSystem.IsLinux()) socket.SetRawSocketOption(solSocket, soReuseAddr, BitConverter.GetBytes(1));
        else if (OperatingSystem.IsWindows()) socket.ExclusiveAddressUse = true;
    }

    /// <summary>Binds the listening socket first, so a member asked for port 0 knows its port before it names itself.</summary>
    public static Socket Bind(string host, int port)
    {
        var ip = IPAddress.TryParse(host, out var parsed) ? parsed : Dns.GetHostAddresses(host).First();
        var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            AllowRebindAfterRestart(socket);
            socket.Bind(new IPEndPoint(ip, port));
            socket.Listen(512);
            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new InvalidOperationException($"Cannot listen on {host}:{port}: {e.Message}", e);
        }
    }

    public void Start(ITransportHandler handler)
    {
        _handler = handler;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public bool IsQuarantined(ulong uid) => _quarantined.ContainsKey(uid);

    /// <summary>Queues a frame to the member at <paramref name="hostPort"/>, dialing it if there is no connection.</summary>
    public void Send(string hostPort, in OutboundFrame frame)
    {
        if (_stopping.IsCancellationRequested) { _handler!.OnUndelivered(frame, "this member is shutting down"); return; }
        var association = _associations.GetOrAdd(hostPort, k => new Association(k, _settings.MaxQueuedBytesPerPeer));
        bool dial;
        lock (association.Gate)
        {
            if (association.Active is null && !association.Dialing && Environment.TickCount64 < association.RetryAfterMs)
            {
                _handler!.OnUndelivered(frame, $"{hostPort} could not be reached a moment ago");
                return;
            }
            dial = association.Active is null && !association.Dialing;
            if (dial) association.Dialing = true;
        }
        if (!association.TryEnqueue(frame, _settings.SendBackPressureTimeout))
        {
            _handler!.OnUndelivered(frame, $"the queue to {hostPort} stayed full ({association.QueuedBytes} bytes) for {_settings.SendBackPressureTimeout.TotalSeconds:0.#} s");
            return;
        }
        if (dial) _ = Task.Run(() => DialAsync(association));
    }

    /// <summary>Bytes queued to a peer and not yet written (for leave and tests).</summary>
    public long QueuedBytes(string hostPort) => _associations.TryGetValue(hostPort, out var a) ? a.QueuedBytes : 0;

    /// <summary>This incarnation is gone for good: close its connection, drop what was queued to it, refuse it from now on.</summary>
    public void Quarantine(MemberAddress peer, string reason)
    {
        if (!_quarantined.TryAdd(peer.Uid, 0)) return;
        if (!_associations.TryGetValue(peer.HostPort, out var association)) return;
        Connection? connection = null;
        List<OutboundFrame> dropped;
        lock (association.Gate)
        {
            if (association.Peer?.Uid != peer.Uid) return;
            connection = association.Active;
            association.Active = null;
            dropped = association.Drain();
        }
        connection?.Close();
        foreach (var f in dropped) _handler!.OnUndelivered(f, $"{peer} was removed from the cluster ({reason})");
    }

    /// <summary>Waits (up to <paramref name="timeout"/>) until every queue has been written out.</summary>
    public async Task DrainAsync(TimeSpan timeout)
    {
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (Environment.TickCount64 < deadline && _associations.Values.Any(a => a.Active is not null && !a.IsDrained))
            await Task.Delay(10).ConfigureAwait(false);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try { socket = await _listener.AcceptAsync(_stopping.Token).ConfigureAwait(false); }
            catch (Exception) when (_stopping.IsCancellationRequested) { return; }
            catch (SocketException e)
            {
                _log.Warning(Source, $"Accept failed: {e.Message}");
                continue;
            }
            socket.NoDelay = true;
            _ = Task.Run(() => AcceptAsync(socket));
        }
    }

    private async Task AcceptAsync(Socket socket)
    {
        Connection? connection = null;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            timeout.CancelAfter(_settings.HandshakeTimeout);
            var stream = await OpenStreamAsync(socket, outbound: false, timeout.Token).ConfigureAwait(false);
            connection = Track(new Connection(socket, stream, outbound: false, _settings.MaxFrameBytes));
            var peer = await ServerHandshakeAsync(connection, timeout.Token).ConfigureAwait(false);
            if (peer is null) { await DropAsync(connection).ConfigureAwait(false); return; }
            Activate(connection, peer);
        }
        catch (Exception e)
        {
            Interlocked.Increment(ref _framesRejected);
            _log.Warning(Source, $"Refused the connection from {SafeEndPoint(socket)}: {Describe(e)}");
            if (connection is not null) await DropAsync(connection).ConfigureAwait(false);
            else socket.Dispose();
        }
    }

    private async Task<MemberAddress?> ServerHandshakeAsync(Connection connection, CancellationToken ct)
    {
        var first = await connection.ReadFrameAsync(ct).ConfigureAwait(false);
        if (first is null) return null;
        if (first.Header.KindCase != Frame.KindOneofCase.Hello)
            return await RejectAsync(connection, $"a {first.Header.KindCase} frame arrived before the handshake; nothing is accepted before it completes", ct).ConfigureAwait(false);
        var hello = first.Header.Hello;
        var challenge = _auth.AnswerHello(hello, Self.ToWire());
        await connection.WriteNowAsync(challenge, ct).ConfigureAwait(false);
        if (challenge.KindCase == Frame.KindOneofCase.Rejected)
            return Refused(connection, challenge.Rejected.Reason);

        var second = await connection.ReadFrameAsync(ct).ConfigureAwait(false);
        if (second is null) return Refused(connection, "the peer closed the connection during the handshake");
        if (second.Header.KindCase == Frame.KindOneofCase.Rejected) return Refused(connection, "the peer refused us: " + second.Header.Rejected.Reason);
        if (second.Header.KindCase != Frame.KindOneofCase.Proof)
            return await RejectAsync(connection, $"expected the handshake's Proof, got {second.Header.KindCase}", ct).ConfigureAwait(false);
        var verdict = _auth.AnswerProof(hello, challenge.Challenge, second.Header.Proof);
        if (verdict.KindCase == Frame.KindOneofCase.Rejected)
        {
            await connection.WriteNowAsync(verdict, ct).ConfigureAwait(false);
            return Refused(connection, verdict.Rejected.Reason);
        }

        var peer = MemberAddress.FromWire(hello.From);
        if (IsQuarantined(peer.Uid))
            return await RejectAsync(connection, $"{peer} was removed from this cluster; a restarted member joins with a new uid", ct).ConfigureAwait(false);
        if (peer.Uid == Self.Uid)
            return await RejectAsync(connection, "the peer claims this member's own uid", ct).ConfigureAwait(false);
        var association = _associations.GetOrAdd(peer.HostPort, k => new Association(k, _settings.MaxQueuedBytesPerPeer));
        lock (association.Gate)
        {
            // Both dialled: the lower address's dial wins on both sides, whether ours is still in
            // flight or already carries traffic (replacing it would lose what it holds).
            if (MemberAddress.Compare(peer, Self) > 0
                && (association.Dialing && association.Active is null
                    || association.Active is { Outbound: true, Peer: { } current } && current.Uid == peer.Uid))
                return RejectSimultaneous(connection, ct);
        }
        await connection.WriteNowAsync(new Frame { Accepted = new HandshakeAccepted() }, ct).ConfigureAwait(false);
        return peer;
    }

    private const string SimultaneousReason = "simultaneous connect: the connection dialled by the lower address is kept";

    private MemberAddress? RejectSimultaneous(Connection connection, CancellationToken ct)
    {
        _ = connection.WriteNowAsync(new Frame { Rejected = new HandshakeRejected { Reason = SimultaneousReason } }, ct).AsTask();
        return null;
    }

    private async Task<MemberAddress?> RejectAsync(Connection connection, string reason, CancellationToken ct)
    {
        try { await connection.WriteNowAsync(new Frame { Rejected = new HandshakeRejected { Reason = reason } }, ct).ConfigureAwait(false); }
        catch (Exception) { /* the reason is logged below either way */ }
        return Refused(connection, reason);
    }

    private MemberAddress? Refused(Connection connection, string reason)
    {
        Interlocked.Increment(ref _framesRejected);
        _log.Warning(Source, $"Handshake with {connection.RemoteEndPoint} refused: {reason}");
        return null;
    }

    private async Task DialAsync(Association association)
    {
        Connection? connection = null;
        string? failure = null;
        var refused = false;
        try
        {
            var (host, port) = ClusterSettings.ParseHostPort(association.HostPort);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            timeout.CancelAfter(_settings.ConnectTimeout + _settings.HandshakeTimeout);
            var ip = IPAddress.TryParse(host, out var parsed) ? parsed : (await Dns.GetHostAddressesAsync(host, timeout.Token).ConfigureAwait(false)).First();
            var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try { await socket.ConnectAsync(new IPEndPoint(ip, port), timeout.Token).ConfigureAwait(false); }
            catch { socket.Dispose(); throw; }
            var stream = await OpenStreamAsync(socket, outbound: true, timeout.Token).ConfigureAwait(false);
            connection = Track(new Connection(socket, stream, outbound: true, _settings.MaxFrameBytes));

            var hello = _auth.CreateHello(Self.ToWire());
            await connection.WriteNowAsync(hello, timeout.Token).ConfigureAwait(false);
            var reply = await connection.ReadFrameAsync(timeout.Token).ConfigureAwait(false);
            if (reply?.Header.KindCase == Frame.KindOneofCase.Rejected)
            {
                if (reply.Header.Rejected.Reason == SimultaneousReason)
                {
                    await YieldToPeersDialAsync(association, connection).ConfigureAwait(false);
                    return;
                }
                (failure, refused) = ("refused: " + reply.Header.Rejected.Reason, true);
            }
            else if (reply?.Header.KindCase != Frame.KindOneofCase.Challenge)
                failure = reply is null ? "the peer closed the connection during the handshake" : $"expected a Challenge, got {reply.Header.KindCase}";
            else
            {
                var proof = _auth.AnswerChallenge(hello.Hello, reply.Header.Challenge);
                await connection.WriteNowAsync(proof, timeout.Token).ConfigureAwait(false);
                if (proof.KindCase == Frame.KindOneofCase.Rejected) (failure, refused) = (proof.Rejected.Reason, true);
                else
                {
                    var verdict = await connection.ReadFrameAsync(timeout.Token).ConfigureAwait(false);
                    if (verdict?.Header.KindCase == Frame.KindOneofCase.Rejected && verdict.Header.Rejected.Reason == SimultaneousReason)
                    {
                        // The tie-break is decided after the proof (only an authenticated peer may win it).
                        await YieldToPeersDialAsync(association, connection).ConfigureAwait(false);
                        return;
                    }
                    if (verdict?.Header.KindCase == Frame.KindOneofCase.Accepted)
                    {
                        var peer = MemberAddress.FromWire(reply.Header.Challenge.From);
                        if (IsQuarantined(peer.Uid)) failure = $"{peer} was removed from this cluster";
                        else
                        {
                            lock (association.Gate) association.RefusedInARow = 0;
                            Activate(connection, peer);
                            return;
                        }
                    }
                    else if (verdict?.Header.KindCase == Frame.KindOneofCase.Rejected) (failure, refused) = ("refused: " + verdict.Header.Rejected.Reason, true);
                    else failure = "no answer to our proof";
                }
            }
        }
        catch (Exception e) when (!_stopping.IsCancellationRequested)
        {
            failure = Describe(e);
        }
        catch (Exception)
        {
            failure = "this member is shutting down";
        }
        if (connection is not null) await DropAsync(connection).ConfigureAwait(false);
        List<OutboundFrame> dropped;
        TimeSpan backoff;
        int refusals;
        lock (association.Gate)
        {
            association.Dialing = false;
            if (association.Active is not null) return;
            refusals = refused ? ++association.RefusedInARow : association.RefusedInARow = 0;
            backoff = RefusedBackoff(refusals);
            association.RetryAfterMs = Environment.TickCount64 + (long)backoff.TotalMilliseconds;
            dropped = association.Drain();
        }
        if (!_stopping.IsCancellationRequested)
        {
            var next = refusals > 0 ? $" The handshake failed {refusals} time(s) in a row: no new dial for {backoff.TotalSeconds:0.#} s." : "";
            _log.Warning(Source, $"Could not connect to {association.HostPort}: {failure}; {dropped.Count} queued frame(s) dropped.{next}");
        }
        foreach (var f in dropped) _handler!.OnUndelivered(f, $"could not connect to {association.HostPort}: {failure}");
    }

    /// <summary>The pause before the next dial: 0.5 s, doubled for each refused handshake in a row after the first, at most 30 s.</summary>
    internal static TimeSpan RefusedBackoff(int refusalsInARow) =>
        refusalsInARow <= 1 ? RetryBackoff
        : TimeSpan.FromMilliseconds(Math.Min(MaxRefusedBackoff.TotalMilliseconds, RetryBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(refusalsInARow - 1, 16))));

    /// <summary>
    /// Both ends dialled and the peer's dial won: its connection carries our queue too. Should that
    /// dial fail after all, the queue must not wait for the next send, so we look again later.
    /// </summary>
    private async Task YieldToPeersDialAsync(Association association, Connection connection)
    {
        lock (association.Gate) association.Dialing = false;
        await DropAsync(connection).ConfigureAwait(false);
        try { await Task.Delay(_settings.ConnectTimeout + _settings.HandshakeTimeout, _stopping.Token).ConfigureAwait(false); }
        catch (OperationCanceledException) { return; }
        bool redial;
        lock (association.Gate)
        {
            redial = association.Active is null && !association.Dialing && !association.IsEmpty;
            if (redial) association.Dialing = true;
        }
        if (redial) await DialAsync(association).ConfigureAwait(false);
    }

    private void Activate(Connection connection, MemberAddress peer)
    {
        connection.Peer = peer;
        var association = _associations.GetOrAdd(peer.HostPort, k => new Association(k, _settings.MaxQueuedBytesPerPeer));
        Connection? replaced;
        MemberAddress? previous;
        lock (association.Gate)
        {
            replaced = association.Active;
            previous = association.Peer;
            association.Active = connection;
            association.Peer = peer;
            if (connection.Outbound) association.Dialing = false;
        }
        if (replaced is not null && replaced != connection)
        {
            _log.Debug(Source, $"Connection {replaced} replaced by {connection}.");
            // The same incarnation (both ends dialled at once): hand over without losing or reordering
            // what the old connection carries. Another incarnation: the old one is dead, close it.
            if (previous?.Uid == peer.Uid) replaced.Retire();
            else
            {
                replaced.Close();
                replaced = null;
            }
        }
        else replaced = null;
        _log.Debug(Source, $"Associated {connection}.");
        if (previous is not null && previous.Uid != peer.Uid) _handler!.OnNewIncarnation(previous, peer);
        lock (association.Gate)
        {
            connection.WriteLoop = Task.Run(() => WriteLoopAsync(association, connection, replaced));
            connection.ReadLoop = Task.Run(() => ReadLoopAsync(association, connection, peer, replaced));
        }
    }

    /// <summary>Waits for a retired predecessor's loop (bounded); past the bound the predecessor is closed and its tail lost.</summary>
    private async Task AfterPredecessorAsync(Connection? predecessor, Func<Connection, Task> loop, Connection connection)
    {
        if (predecessor is null) return;
        try { await loop(predecessor).WaitAsync(_settings.HandshakeTimeout, connection.Closed).ConfigureAwait(false); }
        catch (TimeoutException)
        {
            _log.Warning(Source, $"The replaced connection {predecessor} did not finish within {_settings.HandshakeTimeout.TotalSeconds:0.#} s; closing it.");
            predecessor.Close();
        }
        catch (OperationCanceledException) { }
    }

    private async Task ReadLoopAsync(Association association, Connection connection, MemberAddress peer, Connection? predecessor)
    {
        string? reason = null;
        // Frames of the old connection come first: read it to its end before this one.
        await AfterPredecessorAsync(predecessor, c => c.ReadLoop, connection).ConfigureAwait(false);
        try
        {
            while (true)
            {
                var frame = await connection.ReadFrameAsync(connection.Closed).ConfigureAwait(false);
                if (frame is null) break;
                if (frame.Header.KindCase is >= Frame.KindOneofCase.Hello and <= Frame.KindOneofCase.Rejected)
                {
                    reason = $"a {frame.Header.KindCase} frame arrived after the handshake";
                    break;
                }
                if (IsQuarantined(peer.Uid)) break;
                _handler!.OnFrame(peer, frame);
            }
        }
        catch (Exception) when (connection.IsClosed) { }
        catch (Exception e) { reason = Describe(e); }
        if (reason is not null)
        {
            Interlocked.Increment(ref _framesRejected);
            _log.Warning(Source, $"Closing the connection {connection}: {reason}");
        }
        // A retired connection ends when the peer half-closes it; our own side must have written out first.
        if (connection.IsRetiring) await AfterPredecessorAsync(connection, c => c.WriteLoop, connection).ConfigureAwait(false);
        await Disconnected(association, connection).ConfigureAwait(false);
    }

    private async Task WriteLoopAsync(Association association, Connection connection, Connection? predecessor)
    {
        // The old connection writes out what it took from the queue before this one takes more.
        await AfterPredecessorAsync(predecessor, c => c.WriteLoop, connection).ConfigureAwait(false);
        var reader = association.Reader;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(connection.Closed, connection.Retiring);
        try
        {
            while (!connection.IsRetiring && await reader.WaitToReadAsync(stop.Token).ConfigureAwait(false))
            {
                while (!connection.IsRetiring && reader.TryRead(out var frame))
                {
                    Interlocked.Increment(ref association.Unflushed); // before Dequeued: a drain never sees the frame in neither place
                    association.Dequeued(frame);
                    try
                    {
                        connection.Write(frame);
                        frame.Done(); // its bytes are in the pipe now
                    }
                    catch (FrameException e)
                    {
                        // Too large for the peer's limit: this message is lost, the connection is fine.
                        _handler!.OnUndelivered(frame, e.Message);
                        _log.Warning(Source, $"Not sent to {connection.Peer}: {e.Message}");
                        Interlocked.Decrement(ref association.Unflushed);
                        continue;
                    }
                    if (connection.UnflushedBytes >= _settings.FlushThresholdBytes)
                        await FlushAsync(association, connection).ConfigureAwait(false);
                }
                await FlushAsync(association, connection).ConfigureAwait(false);
            }
            if (connection.IsRetiring)
            {
                await FlushAsync(association, connection).ConfigureAwait(false);
                await connection.FinishSendingAsync().ConfigureAwait(false);
                return; // the read loop ends this connection when the peer has finished too
            }
        }
        catch (Exception) when (connection.IsClosed) { }
        catch (OperationCanceledException) when (connection.IsRetiring)
        {
            try
            {
                await FlushAsync(association, connection).ConfigureAwait(false);
                await connection.FinishSendingAsync().ConfigureAwait(false);
                return;
            }
            catch (Exception) when (connection.IsClosed) { }
        }
        catch (Exception e)
        {
            _log.Warning(Source, $"Writing to {connection} failed: {Describe(e)}");
        }
        await Disconnected(association, connection).ConfigureAwait(false);
    }

    private static async Task FlushAsync(Association association, Connection connection)
    {
        var written = Volatile.Read(ref association.Unflushed);
        await connection.FlushAsync(connection.Closed).ConfigureAwait(false);
        Interlocked.Add(ref association.Unflushed, -written);
    }

    private async Task Disconnected(Association association, Connection connection)
    {
        bool redial;
        lock (association.Gate)
        {
            if (association.Active == connection)
            {
                association.Active = null;
                Volatile.Write(ref association.Unflushed, 0); // what the pipe held is lost with the connection
            }
            redial = association.Active is null && !association.Dialing && !association.IsEmpty && !_stopping.IsCancellationRequested
                     && association.Peer is { } p && !IsQuarantined(p.Uid);
            if (redial) association.Dialing = true;
        }
        await DropAsync(connection).ConfigureAwait(false);
        if (redial) _ = Task.Run(() => DialAsync(association));
    }

    private Connection Track(Connection c)
    {
        _connections.TryAdd(c, 0);
        return c;
    }

    private async Task DropAsync(Connection c)
    {
        _connections.TryRemove(c, out _);
        await c.DisposeAsync().ConfigureAwait(false);
    }

    private async Task<Stream> OpenStreamAsync(Socket socket, bool outbound, CancellationToken ct)
    {
        var network = new NetworkStream(socket, ownsSocket: false);
        if (_certificate is null) return network;
        var ssl = new SslStream(network, leaveInnerStreamOpen: false);
        try
        {
            if (outbound)
                await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = "actorgrad",
                    ClientCertificates = [_certificate],
                    RemoteCertificateValidationCallback = (_, cert, _, errors) => TlsCertificates.Validate(_certificate, cert, errors),
                }, ct).ConfigureAwait(false);
            else
                await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificate = _certificate,
                    ClientCertificateRequired = true,
                    RemoteCertificateValidationCallback = (_, cert, _, errors) => TlsCertificates.Validate(_certificate, cert, errors),
                }, ct).ConfigureAwait(false);
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return ssl;
    }

    private static string SafeEndPoint(Socket s)
    {
        try { return s.RemoteEndPoint?.ToString() ?? "?"; } catch (ObjectDisposedException) { return "?"; }
    }

    private static string Describe(Exception e) => e switch
    {
        OperationCanceledException => "timed out",
        FrameException or ProtocolVersionException => e.Message,
        _ => $"{e.GetType().Name}: {e.Message}",
    };

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested) return;
        _stopping.Cancel();
        _listener.Dispose();
        if (_acceptLoop is not null) await _acceptLoop.ConfigureAwait(false);
        foreach (var c in _connections.Keys) await DropAsync(c).ConfigureAwait(false);
        _certificate?.Dispose();
    }
}
