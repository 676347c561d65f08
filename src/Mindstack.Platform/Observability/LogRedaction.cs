using System.Buffers;
using System.Collections;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mindstack.Platform.Observability;

/// <summary>
/// Keeps credentials out of every log line: the values of the query parameters that carry them
/// (<c>token</c>, <c>access_token</c>, <c>api_key</c>…, any case) become <see cref="Placeholder"/>,
/// whoever logs them — the framework's request lines (a socket's <c>?token=</c>), Kestrel, or our code.
/// </summary>
internal static partial class LogRedaction
{
    public const string Placeholder = "[redacted]";

    private static readonly SearchValues<string> Hints = SearchValues.Create(["token=", "key="], StringComparison.OrdinalIgnoreCase);

    [GeneratedRegex(@"(?<=[?&;](?:token|access_token|refresh_token|id_token|api_key|apikey)=)[^&#\s'""<>]+",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SecretValue();

    /// <summary>Whether <paramref name="text"/> holds a credential-carrying query parameter with a value.</summary>
    public static bool HasSecret(string? text) =>
        text is not null && text.AsSpan().ContainsAny(Hints) && SecretValue().IsMatch(text);

    /// <summary><paramref name="text"/> with every credential query value replaced by <see cref="Placeholder"/>.</summary>
    public static string Redact(string text) => HasSecret(text) ? SecretValue().Replace(text, Placeholder) : text;

    /// <summary>
    /// Wraps the host's logger factory, so every provider — console, tests', any added later — gets
    /// redacted lines.
    /// </summary>
    public static IServiceCollection AddLogRedaction(this IServiceCollection services)
    {
        services.Replace(ServiceDescriptor.Singleton<ILoggerFactory>(sp => new RedactingLoggerFactory(new LoggerFactory(
            sp.GetServices<ILoggerProvider>(),
            sp.GetRequiredService<IOptionsMonitor<LoggerFilterOptions>>(),
            sp.GetService<IOptions<LoggerFactoryOptions>>(),
            sp.GetService<IExternalScopeProvider>()))));
        return services;
    }

    public static object? RedactValue(object? value) => value switch
    {
        string text => Redact(text),
        Uri uri when HasSecret(uri.OriginalString) => Redact(uri.OriginalString),
        _ => value,
    };

    public static bool HasSecretValue(IReadOnlyList<KeyValuePair<string, object?>> values)
    {
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i].Value switch { string text => HasSecret(text), Uri uri => HasSecret(uri.OriginalString), _ => false })
            {
                return true;
            }
        }
        return false;
    }
}

internal sealed class RedactingLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new RedactingLogger(inner.CreateLogger(categoryName));

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose() => inner.Dispose();
}

internal sealed class RedactingLogger(ILogger inner) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull =>
        state is IReadOnlyList<KeyValuePair<string, object?>> values && LogRedaction.HasSecretValue(values)
            ? inner.BeginScope(new RedactedState(values, LogRedaction.Redact(state.ToString() ?? "")))
            : inner.BeginScope(state);

    public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!inner.IsEnabled(logLevel))
        {
            return;
        }
        if (state is IReadOnlyList<KeyValuePair<string, object?>> values)
        {
            // Structured state: the message is made of these values (an interpolated one is in {OriginalFormat}).
            if (LogRedaction.HasSecretValue(values))
            {
                inner.Log(logLevel, eventId, new RedactedState(values, LogRedaction.Redact(formatter(state, exception))), exception,
                    static (s, _) => s.Message);
                return;
            }
            inner.Log(logLevel, eventId, state, exception, formatter);
            return;
        }
        var message = formatter(state, exception);
        if (LogRedaction.HasSecret(message))
        {
            inner.Log(logLevel, eventId, new RedactedState([], LogRedaction.Redact(message)), exception, static (s, _) => s.Message);
            return;
        }
        inner.Log(logLevel, eventId, state, exception, formatter);
    }
}

/// <summary>A log state's values with credentials redacted, and its already formatted (and redacted) message.</summary>
internal sealed class RedactedState(IReadOnlyList<KeyValuePair<string, object?>> values, string message)
    : IReadOnlyList<KeyValuePair<string, object?>>
{
    private readonly KeyValuePair<string, object?>[] _values =
        [.. values.Select(v => new KeyValuePair<string, object?>(v.Key, LogRedaction.RedactValue(v.Value)))];

    public string Message { get; } = message;

    public KeyValuePair<string, object?> this[int index] => _values[index];

    public int Count => _values.Length;

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)_values).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => Message;
}
