using System.Diagnostics;
using System.Threading.Channels;
using ActorGrad.Engine.Actors;

namespace ActorGrad.TestKit;

/// <summary>
/// An actor whose messages a test awaits (Akka.TestKit's TestProbe). Every wait is bounded: by the
/// given max, by the enclosing Within block, or by the dilated default.
/// </summary>
public sealed class TestProbe
{
    private static readonly AsyncLocal<DateTime?> Deadline = new();
    private readonly Channel<Envelope> _queue = Channel.CreateUnbounded<Envelope>(new UnboundedChannelOptions { SingleReader = true });
    private Envelope? _last;

    public TestProbe(ActorSystem system, string? name = null)
    {
        System = system;
        Ref = system.ActorOf(Props.Create(() => new ProbeActor(_queue.Writer)), name);
    }

    public ActorSystem System { get; }
    public IActorRef Ref { get; }
    public IActorRef? LastSender => _last?.Sender;
    public object? LastMessage => _last?.Message;

    // ---- sending ----

    /// <summary>Tells <paramref name="target"/> the message with this probe as the sender.</summary>
    public void Send(IActorRef target, object message) => target.Tell(message, Ref);

    /// <summary>Replies to the sender of the last received message.</summary>
    public void Reply(object message) =>
        (LastSender ?? throw new TestKitAssertionException("Reply: no message with a sender has been received yet.")).Tell(message, Ref);

    /// <summary>Forwards the last received message to <paramref name="target"/>, keeping its original sender.</summary>
    public void Forward(IActorRef target) =>
        target.Tell(LastMessage ?? throw new TestKitAssertionException("Forward: no message has been received yet."), LastSender);

    public void Watch(IActorRef target) => Ref.Tell(new ProbeActor.WatchRequest(target, true));
    public void Unwatch(IActorRef target) => Ref.Tell(new ProbeActor.WatchRequest(target, false));

    // ---- receiving ----

    /// <summary>The next message, or null when none arrived within the time.</summary>
    public async Task<object?> ReceiveOneAsync(TimeSpan? max = null)
    {
        var limit = Remaining(max);
        if (_queue.Reader.TryRead(out var ready)) return Keep(ready);
        using var cts = new CancellationTokenSource(limit);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(cts.Token).ConfigureAwait(false))
                if (_queue.Reader.TryRead(out var envelope)) return Keep(envelope);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested) { }
        return null;
    }

    private object Keep(Envelope envelope)
    {
        _last = envelope;
        return envelope.Message;
    }

    public async Task<T> ExpectMsgAsync<T>(TimeSpan? max = null, string? hint = null)
    {
        var limit = Remaining(max);
        var message = await ReceiveOneAsync(limit).ConfigureAwait(false);
        if (message is T typed) return typed;
        throw Failure($"expected a message of type {typeof(T).Name}", message, limit, hint);
    }

    public async Task<T> ExpectMsgAsync<T>(Predicate<T> predicate, TimeSpan? max = null, string? hint = null)
    {
        var limit = Remaining(max);
        var message = await ReceiveOneAsync(limit).ConfigureAwait(false);
        if (message is T typed && predicate(typed)) return typed;
        throw Failure($"expected a {typeof(T).Name} matching the predicate", message, limit, hint);
    }

    /// <summary>Expects a message equal to <paramref name="expected"/>.</summary>
    public async Task<T> ExpectMsgAsync<T>(T expected, TimeSpan? max = null, string? hint = null) where T : notnull
    {
        var limit = Remaining(max);
        var message = await ReceiveOneAsync(limit).ConfigureAwait(false);
        if (message is T typed && EqualityComparer<T>.Default.Equals(typed, expected)) return typed;
        throw Failure($"expected {Describe(expected)}", message, limit, hint);
    }

    /// <summary>Fails if any message arrives within <paramref name="duration"/>.</summary>
    public async Task ExpectNoMsgAsync(TimeSpan? duration = null)
    {
        var wait = duration is { } d ? TestKitSettings.Dilated(d) : TestKitSettings.DefaultNoMessageWait;
        var message = await ReceiveOneAsync(Min(wait, Remaining(null, wait))).ConfigureAwait(false);
        if (message is not null)
            throw new TestKitAssertionException($"ExpectNoMsg: expected no message for {wait.TotalMilliseconds:0} ms but got {Describe(message)} from {LastSender?.Path.ToString() ?? "no sender"}.");
    }

    /// <summary>Skips messages until one of type <typeparamref name="T"/> matches; fails on time out.</summary>
    public async Task<T> FishForMessageAsync<T>(Predicate<T> predicate, TimeSpan? max = null, string? hint = null)
    {
        var limit = Remaining(max);
        var end = DateTime.UtcNow + limit;
        var skipped = new List<string>();
        while (true)
        {
            var left = end - DateTime.UtcNow;
            var message = left > TimeSpan.Zero ? await ReceiveOneAsync(left).ConfigureAwait(false) : null;
            if (message is null)
                throw new TestKitAssertionException($"FishForMessage: no {typeof(T).Name} matched within {limit.TotalMilliseconds:0} ms{HintText(hint)}; skipped [{string.Join(", ", skipped)}].");
            if (message is T typed && predicate(typed)) return typed;
            skipped.Add(Describe(message));
        }
    }

    /// <summary>The next <paramref name="count"/> messages, all within <paramref name="max"/>.</summary>
    public async Task<IReadOnlyList<object>> ReceiveNAsync(int count, TimeSpan? max = null)
    {
        var limit = Remaining(max);
        var end = DateTime.UtcNow + limit;
        var result = new List<object>(count);
        while (result.Count < count)
        {
            var left = end - DateTime.UtcNow;
            var message = left > TimeSpan.Zero ? await ReceiveOneAsync(left).ConfigureAwait(false) : null;
            if (message is null)
                throw new TestKitAssertionException($"ReceiveN: expected {count} messages within {limit.TotalMilliseconds:0} ms but got {result.Count}: [{string.Join(", ", result.Select(Describe))}].");
            result.Add(message);
        }
        return result;
    }

    /// <summary>Expects Terminated for <paramref name="actor"/> (call Watch first).</summary>
    public Task<Terminated> ExpectTerminatedAsync(IActorRef actor, TimeSpan? max = null) =>
        ExpectMsgAsync<Terminated>(t => t.Actor.Path.Equals(actor.Path), max, $"Terminated of {actor.Path}");

    /// <summary>
    /// Runs <paramref name="block"/> and fails if it takes longer than <paramref name="max"/>.
    /// Within blocks nest: an inner block never gets more time than the outer one has left.
    /// </summary>
    public static async Task WithinAsync(TimeSpan max, Func<Task> block)
    {
        var dilated = TestKitSettings.Dilated(max);
        var outer = Deadline.Value;
        var start = DateTime.UtcNow;
        var end = start + dilated;
        if (outer is { } o && o < end) end = o;
        Deadline.Value = end;
        try
        {
            await block().ConfigureAwait(false);
        }
        finally
        {
            Deadline.Value = outer;
        }
        var took = DateTime.UtcNow - start;
        if (DateTime.UtcNow > end)
            throw new TestKitAssertionException($"Within: the block took {took.TotalMilliseconds:0} ms, more than the {(end - start).TotalMilliseconds:0} ms allowed.");
    }

    // ---- sync wrappers ----

    public T ExpectMsg<T>(TimeSpan? max = null, string? hint = null) => ExpectMsgAsync<T>(max, hint).GetAwaiter().GetResult();
    public T ExpectMsg<T>(Predicate<T> predicate, TimeSpan? max = null, string? hint = null) => ExpectMsgAsync(predicate, max, hint).GetAwaiter().GetResult();
    public T ExpectMsg<T>(T expected, TimeSpan? max = null, string? hint = null) where T : notnull => ExpectMsgAsync(expected, max, hint).GetAwaiter().GetResult();
    public void ExpectNoMsg(TimeSpan? duration = null) => ExpectNoMsgAsync(duration).GetAwaiter().GetResult();
    public T FishForMessage<T>(Predicate<T> predicate, TimeSpan? max = null) => FishForMessageAsync(predicate, max).GetAwaiter().GetResult();
    public IReadOnlyList<object> ReceiveN(int count, TimeSpan? max = null) => ReceiveNAsync(count, max).GetAwaiter().GetResult();
    public Terminated ExpectTerminated(IActorRef actor, TimeSpan? max = null) => ExpectTerminatedAsync(actor, max).GetAwaiter().GetResult();
    public static void Within(TimeSpan max, Action block) => WithinAsync(max, () => { block(); return Task.CompletedTask; }).GetAwaiter().GetResult();

    // ---- helpers ----

    /// <summary>The time a wait may take: the asked max (dilated) or the default, capped by an enclosing Within.</summary>
    private static TimeSpan Remaining(TimeSpan? max, TimeSpan? fallback = null)
    {
        var wanted = max is { } m ? TestKitSettings.Dilated(m) : fallback ?? TestKitSettings.DefaultExpectTimeout;
        if (Deadline.Value is { } end)
        {
            var left = end - DateTime.UtcNow;
            return left < TimeSpan.Zero ? TimeSpan.Zero : Min(left, wanted);
        }
        return wanted;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static string HintText(string? hint) => hint is null ? "" : $" ({hint})";

    private static string Describe(object? message) => message is null ? "nothing" : $"{message.GetType().Name} {message}";

    private TestKitAssertionException Failure(string expected, object? got, TimeSpan waited, string? hint) =>
        new(got is null
            ? $"Timeout ({waited.TotalMilliseconds:0} ms) while waiting: {expected}{HintText(hint)}, but no message arrived."
            : $"{char.ToUpperInvariant(expected[0])}{expected[1..]}{HintText(hint)}, but got {Describe(got)} from {LastSender?.Path.ToString() ?? "no sender"}.");

    [StackTraceHidden]
    public override string ToString() => $"TestProbe[{Ref.Path}]";
}
