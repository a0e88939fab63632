using Akka.Configuration;
using Akka.Dispatch;

namespace ActorGrad.Engine.Dispatch;

/// <summary>
/// Akka's way to a custom dispatcher: one configurator per actor system, handing out one
/// <see cref="CallingThreadDispatcher"/> for every actor that names its id.
/// </summary>
public sealed class CallingThreadDispatcherConfigurator : MessageDispatcherConfigurator
{
    private readonly CallingThreadDispatcher _dispatcher;

    public CallingThreadDispatcherConfigurator(Config config, IDispatcherPrerequisites prerequisites) : base(config, prerequisites)
    {
        _dispatcher = new CallingThreadDispatcher(this, config.GetString("id", NodeDispatcher.Id));
    }

    public override MessageDispatcher Dispatcher() => _dispatcher;
}
