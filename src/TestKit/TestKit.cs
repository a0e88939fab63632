using ActorGrad.Engine.Actors;
using Xunit;

namespace ActorGrad.TestKit;

/// <summary>
/// An xunit base class: a fresh ActorSystem per test (xunit makes one instance per test) and a
/// default probe, <see cref="TestActor"/>, whose expectations are available directly.
/// </summary>
public abstract class TestKit : IAsyncLifetime
{
    private TestProbe? _testActor;

    protected TestKit(ActorSystemSettings? settings = null, string? systemName = null)
    {
        Sys = ActorSystem.Create(systemName ?? GetType().Name.Replace('.', '-').Replace('+', '-'), settings);
    }

    public ActorSystem Sys { get; }

    /// <summary>The default probe (created on first use).</summary>
    public TestProbe TestActor => _testActor ??= new TestProbe(Sys, "testActor");

    public TestProbe CreateTestProbe(string? name = null) => new(Sys, name);

    public IActorRef ActorOf(Props props, string? name = null) => Sys.ActorOf(props, name);

    public Task<T> ExpectMsgAsync<T>(TimeSpan? max = null) => TestActor.ExpectMsgAsync<T>(max);
    public Task<T> ExpectMsgAsync<T>(Predicate<T> predicate, TimeSpan? max = null) => TestActor.ExpectMsgAsync(predicate, max);
    public Task ExpectNoMsgAsync(TimeSpan? duration = null) => TestActor.ExpectNoMsgAsync(duration);
    public T ExpectMsg<T>(TimeSpan? max = null) => TestActor.ExpectMsg<T>(max);
    public void ExpectNoMsg(TimeSpan? duration = null) => TestActor.ExpectNoMsg(duration);
    public Task WithinAsync(TimeSpan max, Func<Task> block) => TestProbe.WithinAsync(max, block);

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync() => await Sys.DisposeAsync();
}
