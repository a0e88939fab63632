using System.Collections.Concurrent;
using ActorGrad.Engine.Actors;
using ActorGrad.Protocol.Wire;
using Google.Protobuf;
using Envelope = ActorGrad.Protocol.Wire.Envelope;

namespace ActorGrad.Engine.Cluster;

/// <summary>
/// Actor messages between members: envelopes out (user messages, Watch, Unwatch, Terminated) and in
/// (resolved to local actors, or dead letters for unknown paths). It also keeps the watches local
/// actors hold on remote ones, so that a member's removal tells every watcher.
/// </summary>
internal sealed class Remoting(Cluster cluster, ActorSystem system, MessageSerialization serialization)
{
    private const string Source = "cluster.remoting";
    private const string TempName = "temp";
    private readonly ConcurrentDictionary<string, InternalActorRef> _temp = new();
    private readonly Lock _watchLock = new();
    // Watches local actors hold on remote ones, by the remote member's host:port.
    private readonly Dictionary<string, HashSet<(InternalActorRef Watchee, InternalActorRef Watcher)>> _watches = new();
    // Watches remote actors hold on local ones, by the remote member's host:port: dropped when that member goes.
    private readonly Dictionary<string, HashSet<(InternalActorRef Watchee, InternalActorRef Watcher)>> _watchedBy = new();
    private long _tempIds;

    public MessageSerialization Serialization { get; } = serialization;

    public void SendUser(RemoteActorRef recipient, object message, IActorRef? sender)
    {
        var serialized = Serialization.Serialize(message); // throws MessageNotSerializableException at the Tell
        var envelope = NewEnvelope(recipient, sender);
        envelope.User = new UserMessage
        {
            SerializerId = serialized.SerializerId,
            Manifest = serialized.Manifest,
            // The serializer made the body for this message alone: wrap it, no copy.
            Body = UnsafeByteOperations.UnsafeWrap(serialized.Body),
        };
        // The tensor is copied now (into pooled storage, given back once written): the sender may reuse its own as soon as Tell returns.
        var tensor = serialized.Tensor is null ? null : new PooledTensorCopy(serialized.Tensor);
        var header = new Frame { Envelope = envelope };
        var bytes = header.CalculateSize() + WireProtocol.PrefixBytes + (tensor is null ? 0 : 4L * tensor.Values.Length + 16);
        cluster.SendFrame(recipient.HostPort, new OutboundFrame(header, tensor, bytes, message, sender, recipient));
    }

    public void SendSystem(RemoteActorRef recipient, SystemMessage message)
    {
        var key = HostPort(recipient.Path.Address);
        switch (message)
        {
            case Actors.Watch w:
                if (cluster.IsAddressTerminated(recipient.Path.Address))
                {
                    w.Watcher.SendSystemMessage(new Actors.DeathWatchNotification(w.Watchee, false, true));
                    return;
                }
                lock (_watchLock)
                {
                    if (!_watches.TryGetValue(key, out var set)) _watches[key] = set = [];
                    set.Add((w.Watchee, w.Watcher));
                }
                SendControl(recipient, w.Watcher, e => e.Watch = new Protocol.Wire.Watch());
                break;
            case Actors.Unwatch u:
                lock (_watchLock)
                    if (_watches.TryGetValue(key, out var set)) set.Remove((u.Watchee, u.Watcher));
                SendControl(recipient, u.Watcher, e => e.Unwatch = new Protocol.Wire.Unwatch());
                break;
            case Actors.DeathWatchNotification d:
                lock (_watchLock)
                    if (_watchedBy.TryGetValue(key, out var watched)) watched.RemoveWhere(p => p.Watcher.Equals(recipient) && p.Watchee.Equals(d.Actor));
                SendControl(recipient, d.Actor, e => e.Terminated = new Protocol.Wire.DeathWatchNotification
                {
                    ExistenceConfirmed = d.ExistenceConfirmed,
                    AddressTerminated = d.AddressTerminated,
                });
                break;
            default:
                system.Log.Debug(Source, $"{message.GetType().Name} is not sent across members (to {recipient.Path}).");
                break;
        }
    }

    private void SendControl(RemoteActorRef recipient, IActorRef? sender, Action<Envelope> body)
    {
        var envelope = NewEnvelope(recipient, sender);
        body(envelope);
        var header = new Frame { Envelope = envelope };
        cluster.SendFrame(recipient.Path.Address, new OutboundFrame(header, null, header.CalculateSize() + WireProtocol.PrefixBytes, null, null, null));
    }

    private Envelope NewEnvelope(RemoteActorRef recipient, IActorRef? sender) => new()
    {
        Recipient = recipient.Path.ToString(),
        RecipientUid = recipient.Path.Uid,
        Sender = sender is null ? "" : ExportSender(sender).ToStringWithUid(),
        SenderMemberUid = cluster.SelfAddress.Uid,
    };

    /// <summary>The path a remote member can reply to: a local actor's own, or a temporary one for an Ask's promise.</summary>
    private ActorPath ExportSender(IActorRef sender)
    {
        if (sender.Path.Address.Equals(system.Address) || sender is RemoteActorRef) return sender.Path;
        if (sender is not InternalActorRef promise) return system.DeadLetters.Path;
        var name = "$" + Interlocked.Increment(ref _tempIds);
        _temp[name] = promise;
        return ActorPath.Root(system.Address).Child(TempName).Child(name);
    }

    /// <summary>An envelope arrived from <paramref name="from"/>.</summary>
    public void Receive(MemberAddress from, Envelope envelope, WireTensor? tensor)
    {
        if (envelope.SenderMemberUid != from.Uid)
        {
            system.Log.Debug(Source, $"Dropped an envelope from incarnation {envelope.SenderMemberUid} on the connection of {from}.");
            return;
        }
        var recipient = ResolveRecipient(from, envelope);
        if (recipient is null) return;
        var sender = envelope.Sender.Length == 0 ? null : ResolveSender(envelope.Sender);
        switch (envelope.BodyCase)
        {
            case Envelope.BodyOneofCase.User:
                object message;
                try
                {
                    message = Serialization.Deserialize(envelope.User.SerializerId, envelope.User.Manifest, envelope.User.Body.Span, tensor);
                }
                catch (Exception e)
                {
                    system.Log.Warning(Source, $"Dropped a message from {from} to {envelope.Recipient}: it cannot be deserialized ({e.Message}).");
                    return;
                }
                recipient.SendUserMessage(message, sender);
                break;
            case Envelope.BodyOneofCase.Watch when sender is InternalActorRef watcher:
                if (recipient is not MissingActorRef)
                    lock (_watchLock)
                    {
                        if (!_watchedBy.TryGetValue(from.HostPort, out var set)) _watchedBy[from.HostPort] = set = [];
                        set.Add((recipient, watcher));
                    }
                recipient.SendSystemMessage(new Actors.Watch(recipient, watcher));
                break;
            case Envelope.BodyOneofCase.Unwatch when sender is InternalActorRef watcher:
                lock (_watchLock)
                    if (_watchedBy.TryGetValue(from.HostPort, out var set)) set.Remove((recipient, watcher));
                recipient.SendSystemMessage(new Actors.Unwatch(recipient, watcher));
                break;
            case Envelope.BodyOneofCase.Terminated when sender is not null:
                DeliverTerminated(from, recipient, sender.Path, envelope.Terminated);
                break;
            default:
                system.Log.Warning(Source, $"Dropped an envelope from {from} with body {envelope.BodyCase} and sender '{envelope.Sender}'.");
                break;
        }
    }

    // Parsing a path and walking the actor tree cost more than the rest of a small message's receipt:
    // live recipients and long-lived senders are remembered by their wire text. Bounded by clearing.
    private const int MaxCachedRefs = 4096;
    private readonly ConcurrentDictionary<(string Path, long Uid), InternalActorRef> _recipients = new();
    private readonly ConcurrentDictionary<string, IActorRef> _senders = new();

    private InternalActorRef? ResolveRecipient(MemberAddress from, Envelope envelope)
    {
        var key = (envelope.Recipient, envelope.RecipientUid);
        if (_recipients.TryGetValue(key, out var cached))
        {
            if (!cached.IsTerminated) return cached;
            _recipients.TryRemove(key, out _);
        }
        if (!ActorPath.TryParse(envelope.Recipient, out var recipientPath, out var error))
        {
            system.Log.Warning(Source, $"Dropped an envelope from {from} with a malformed recipient '{envelope.Recipient}': {error}.");
            return null;
        }
        if (envelope.RecipientUid != 0) recipientPath = recipientPath.WithUid(envelope.RecipientUid);
        var recipient = ResolveLocal(recipientPath);
        // Not remembered: one-shot Ask promises, and paths with no actor yet (one may be started there later).
        if (recipient is not MissingActorRef && !IsTemporary(recipientPath))
        {
            if (_recipients.Count >= MaxCachedRefs) _recipients.Clear();
            _recipients[key] = recipient;
        }
        return recipient;
    }

    private static bool IsTemporary(ActorPath path) => path.Elements is [TempName, _];

    private IActorRef ResolveSender(string text)
    {
        if (_senders.TryGetValue(text, out var cached)) return cached;
        if (!ActorPath.TryParse(text, out var path, out _)) return system.DeadLetters;
        var sender = system.ResolveActorRef(path);
        // An Ask's reply address is used once; a remote actor's ref stays valid (its member's fate is checked per send).
        if (sender is RemoteActorRef && !IsTemporary(path))
        {
            if (_senders.Count >= MaxCachedRefs) _senders.Clear();
            _senders[text] = sender;
        }
        return sender;
    }

    private InternalActorRef ResolveLocal(ActorPath path)
    {
        var elements = path.Elements;
        if (elements.Count == 2 && elements[0] == TempName)
            return _temp.TryRemove(elements[1], out var promise) ? promise : new MissingActorRef(system, path);
        return system.ResolveLocal(path) ?? new MissingActorRef(system, path);
    }

    private void DeliverTerminated(MemberAddress from, InternalActorRef watcher, ActorPath watcheePath, Protocol.Wire.DeathWatchNotification d)
    {
        // Tell the watcher with the very ref it watched (that one may lack the uid the notice carries).
        InternalActorRef? watched = null;
        lock (_watchLock)
        {
            if (_watches.TryGetValue(from.HostPort, out var set))
                foreach (var pair in set)
                    if (pair.Watcher.Equals(watcher) && SamePathIgnoringUid(pair.Watchee.Path, watcheePath))
                    {
                        watched = pair.Watchee;
                        set.Remove(pair);
                        break;
                    }
        }
        if (watched is null) return;
        watcher.SendSystemMessage(new Actors.DeathWatchNotification(watched, d.ExistenceConfirmed, d.AddressTerminated));
    }

    private static bool SamePathIgnoringUid(ActorPath a, ActorPath b) =>
        a.Address.Equals(b.Address) && a.ToStringWithoutAddress() == b.ToStringWithoutAddress() && (a.Uid == 0 || b.Uid == 0 || a.Uid == b.Uid);

    /// <summary>
    /// A member is gone: every local watcher of its actors gets Terminated (address terminated), and
    /// local actors forget the watchers it had on them, so nothing is kept or sent for a dead member.
    /// </summary>
    public void AddressTerminated(MemberAddress member)
    {
        List<(InternalActorRef Watchee, InternalActorRef Watcher)> pairs = [], watchedBy = [];
        lock (_watchLock)
        {
            if (_watches.Remove(member.HostPort, out var set)) pairs = [.. set];
            if (_watchedBy.Remove(member.HostPort, out var by)) watchedBy = [.. by];
        }
        foreach (var (watchee, watcher) in pairs)
            watcher.SendSystemMessage(new Actors.DeathWatchNotification(watchee, false, true));
        foreach (var (watchee, watcher) in watchedBy)
            watchee.SendSystemMessage(new Actors.Unwatch(watchee, watcher));
    }

    /// <summary>Watches that actors on other members hold on this member's actors.</summary>
    internal int RemoteWatcherCount
    {
        get { lock (_watchLock) return _watchedBy.Values.Sum(s => s.Count); }
    }

    /// <summary>Forgets reply addresses of Asks that completed without a reply (timed out).</summary>
    public void SweepTemporaries()
    {
        foreach (var (name, r) in _temp)
            if (r.IsTerminated) _temp.TryRemove(name, out _);
    }

    public static string HostPort(ActorAddress a) => $"{a.Host}:{a.Port}";
}
