namespace ActorGrad.Engine.Actors;

public enum LogLevel { Debug, Info, Warning, Error }

/// <summary>A log line, published on the event stream (and written to stderr at or above the console level).</summary>
public sealed record LogEvent(LogLevel Level, string Source, string Message, Exception? Cause)
{
    public override string ToString() => $"[{Level.ToString().ToUpperInvariant()}] [{Source}] {Message}{(Cause is null ? "" : $": {Cause.GetType().Name}: {Cause.Message}")}";
}

public sealed class LoggingAdapter(EventStream stream)
{
    public void Debug(string source, string message) => stream.Publish(new LogEvent(LogLevel.Debug, source, message, null));
    public void Info(string source, string message) => stream.Publish(new LogEvent(LogLevel.Info, source, message, null));
    public void Warning(string source, string message) => stream.Publish(new LogEvent(LogLevel.Warning, source, message, null));
    public void Error(Exception? cause, string source, string message) => stream.Publish(new LogEvent(LogLevel.Error, source, message, cause));
}
