using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Mindstack.Platform.Tests.Accounts;

namespace Mindstack.Platform.Tests.Access;

/// <summary>Keeps every log line (with its structured values) the server writes.</summary>
public sealed class LogCollector : ILoggerProvider
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Collector(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Collector(LogCollector owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull
        {
            owner.Lines.Enqueue($"{category} scope: {Render(state)}");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Lines.Enqueue($"{category} {logLevel}: {formatter(state, exception)} {Render(state)} {exception}");

        private static string Render(object? state) =>
            state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}")) : $"{state}";
    }
}

/// <summary>The auth test server with every log category at Trace, collected for inspection.</summary>
public sealed class KeyFactory : AuthFactory
{
    public LogCollector Logs { get; } = new();

    public KeyFactory()
    {
        WithSetting("Logging:LogLevel:Default", "Trace");
        WithSetting("Logging:LogLevel:Microsoft", "Trace");
        WithSetting("Logging:LogLevel:Microsoft.AspNetCore", "Trace");
        WithSetting("Logging:LogLevel:Microsoft.EntityFrameworkCore", "Trace");
        WithServices(s => s.AddSingleton<ILoggerProvider>(Logs));
    }

    /// <summary>Every text value in every table of the database, as (table, value).</summary>
    public async Task<List<(string Table, string Value)>> AllTextAsync()
    {
        await using var scope = Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<Mindstack.Platform.Storage.MindstackDbContext>();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        try
        {
            var tables = new List<string>();
            await using (var list = connection.CreateCommand())
            {
                list.CommandText = TestDatabase.UsePostgres
                    ? "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
                    : "SELECT name FROM sqlite_master WHERE type = 'table'";
                await using var reader = await list.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    tables.Add(reader.GetString(0));
                }
            }
            var values = new List<(string, string)>();
            foreach (var table in tables)
            {
                await using var select = connection.CreateCommand();
                select.CommandText = $"SELECT * FROM \"{table}\"";
                await using DbDataReader reader = await select.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    for (var i = 0; i < reader.FieldCount; i++)
                    {
                        if (!reader.IsDBNull(i) && reader.GetValue(i) is string text)
                        {
                            values.Add((table, text));
                        }
                    }
                }
            }
            Assert.Contains(tables, t => t == "access_api_keys");
            return values;
        }
        finally
        {
            await connection.CloseAsync();
        }
    }
}
