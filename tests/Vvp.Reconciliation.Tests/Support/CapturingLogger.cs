using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Vvp.Reconciliation.Tests.Support;

/// <summary>Keeps every log entry, its formatted message and every structured value, at every level.</summary>
internal sealed class CapturingLogger<T> : ILogger<T>
{
    public ConcurrentQueue<string> Entries { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull
    {
        Entries.Enqueue("scope: " + state);
        return null;
    }

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(";", pairs.Select(p => $"{p.Key}={p.Value}")) : string.Empty;
        Entries.Enqueue($"{logLevel} {formatter(state, exception)} | {values} | {exception}");
    }
}
