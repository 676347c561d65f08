using System.Collections.Concurrent;
using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mindstack.MindPeeker.Tests;

/// <summary>Every log line of the server, at every level, as a provider added to the host sees it.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class CapturingLogger(CapturingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
        {
            provider.Lines.Enqueue($"{category} scope: {Describe(state)}");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            provider.Lines.Enqueue($"{category} {logLevel}: {formatter(state, exception)} | {Describe(state)}");

        private static string Describe<TState>(TState state) =>
            state is IEnumerable<KeyValuePair<string, object?>> values
                ? string.Join(", ", values.Select(v => $"{v.Key}={v.Value}"))
                : state?.ToString() ?? "";
    }
}

/// <summary>The MindPeeker server with a log capture that sees every category at every level.</summary>
public sealed class LoggedMindPeekerFactory : MindPeekerFactory
{
    public LoggedMindPeekerFactory() =>
        WithServices(services =>
        {
            services.AddSingleton<ILoggerProvider>(Capture);
            services.Configure<LoggerFilterOptions>(o =>
                o.Rules.Add(new LoggerFilterRule(typeof(CapturingLoggerProvider).FullName, null, LogLevel.Trace, null)));
        });

    public CapturingLoggerProvider Capture { get; } = new();
}

public sealed class LogRedactionTests(LoggedMindPeekerFactory factory) : IClassFixture<LoggedMindPeekerFactory>
{
    [Fact]
    public async Task Logs_SocketTokenAndApiKeyInQuery_ValuesRedactedEverywhere()
    {
        var user = await factory.RegisterUserAsync();
        var session = (await factory.CreateSessionAsync(user)).GetProperty("id").GetString()!;
        const string apiKey = "mpk_secretvalue0123456789abcdef";

        var sockets = factory.Server.CreateWebSocketClient();
        using (var connect = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            using var socket = await sockets.ConnectAsync(
                new Uri(factory.Server.BaseAddress, $"{MindPeekerFactory.Base.TrimStart('/')}/ws/{session}?TOKEN={user.Token}"), connect.Token);
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", connect.Token);
        }
        using var client = factory.CreateClient();
        await client.GetAsync($"{MindPeekerFactory.Base}/users/me?page=1&api_key={apiKey}");
        await client.GetAsync($"/health?Access_Token={apiKey}x");

        var lines = factory.Capture.Lines.ToArray();
        // The framework's request lines are there, so the check below is not vacuous.
        Assert.Contains(lines, l => l.StartsWith("Microsoft.AspNetCore.Hosting.Diagnostics", StringComparison.Ordinal) && l.Contains("/ws/" + session));
        Assert.DoesNotContain(lines, l => l.Contains(user.Token, StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains(apiKey, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("TOKEN=[redacted]", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("page=1&api_key=[redacted]", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("Access_Token=[redacted]", StringComparison.Ordinal));
    }
}
