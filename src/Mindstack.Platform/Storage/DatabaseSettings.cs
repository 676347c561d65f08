using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Mindstack.Platform.Storage;

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

/// <summary>How SQLite syncs its write-ahead log to disk (<c>Mindstack:Database:SqliteSynchronous</c>).</summary>
public enum SqliteSynchronous
{
    /// <summary>
    /// Syncs at checkpoints only: a committed transaction survives a crash of the process, but a
    /// power loss or OS crash can lose the last commits (the file stays consistent).
    /// </summary>
    Normal,

    /// <summary>Syncs the log on every commit: commits survive a power loss too, at a write-speed cost.</summary>
    Full,
}

/// <summary>
/// Where the data lives, bound from <c>Mindstack:*</c> and validated at start:
/// <c>Mindstack:Database</c> (a PostgreSQL connection string) switches the whole server to
/// PostgreSQL; without it, a SQLite file in the data folder (<c>--data DIR</c>, else
/// <c>Mindstack:Data</c>, else <c>./data</c>), in WAL mode, synced as
/// <c>Mindstack:Database:SqliteSynchronous</c> says (<c>Normal</c>, the default, or <c>Full</c>).
/// A PostgreSQL connection string gets the platform's defaults for what it does not set
/// (<see cref="WithPostgresDefaults"/>).
/// </summary>
public sealed class DatabaseSettings
{
    /// <summary>The section holding <c>Database</c> and <c>Data</c>.</summary>
    public const string Section = "Mindstack";

    /// <summary>The PostgreSQL connection string (<c>Mindstack:Database</c>); empty means SQLite.</summary>
    public string? Database { get; set; }

    /// <summary>The data folder (<c>Mindstack:Data</c>); <c>--data DIR</c> wins.</summary>
    public string? Data { get; set; }

    public DatabaseProvider Provider { get; private set; } = DatabaseProvider.Sqlite;

    /// <summary>The key of <see cref="SqliteSynchronous"/>: a child of <c>Mindstack:Database</c>, which is otherwise the connection string.</summary>
    public const string SqliteSynchronousKey = Section + ":Database:SqliteSynchronous";

    /// <summary>SQLite's <c>PRAGMA synchronous</c> on every connection (default <c>Normal</c>).</summary>
    public SqliteSynchronous SqliteSynchronous { get; private set; } = SqliteSynchronous.Normal;

    /// <summary>Why <see cref="SqliteSynchronousKey"/> cannot be used.</summary>
    internal string? SynchronousProblem { get; private set; }

    public string ConnectionString { get; private set; } = "";

    /// <summary>The data folder as a full path (the SQLite file, generated keys, the email outbox).</summary>
    public string DataDirectory { get; private set; } = "";

    /// <summary>Why the data folder cannot be used, found while resolving it.</summary>
    internal string? DataProblem { get; private set; }

    /// <summary>Works out the provider, connection string and full data path from what was bound.</summary>
    internal void Resolve(IConfiguration configuration)
    {
        if (configuration[SqliteSynchronousKey] is { Length: > 0 } synchronous)
        {
            if (Enum.TryParse<SqliteSynchronous>(synchronous, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed))
            {
                SqliteSynchronous = parsed;
            }
            else
            {
                SynchronousProblem = $"{SqliteSynchronousKey} must be Normal or Full";
            }
        }
        var folder = configuration["data"] is { Length: > 0 } fromCli ? fromCli
            : Data is { Length: > 0 } fromConfig ? fromConfig
            : "data";
        try
        {
            DataDirectory = Path.GetFullPath(folder);
        }
        catch (Exception exception) when (exception is ArgumentException or NotSupportedException or PathTooLongException)
        {
            DataProblem = exception.Message;
            return;
        }
        if (!string.IsNullOrWhiteSpace(Database))
        {
            Provider = DatabaseProvider.Postgres;
            ConnectionString = WithPostgresDefaults(Database);
            return;
        }
        Provider = DatabaseProvider.Sqlite;
        ConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(DataDirectory, "mindstack.db"),
            ForeignKeys = true,
            DefaultTimeout = 30,
            Pooling = true,
        }.ToString();
    }

    /// <summary>How many statements each PostgreSQL connection prepares automatically (<c>Max Auto Prepare</c>), unless the connection string says.</summary>
    public const int PostgresMaxAutoPrepare = 128;

    /// <summary>
    /// The connection string with Npgsql's automatic preparation on (<c>Max Auto Prepare</c>
    /// <see cref="PostgresMaxAutoPrepare"/>; Npgsql's <c>Auto Prepare Min Usages</c>, 5 by default, decides
    /// when): a statement the server runs again and again (every EF query has one SQL text, its values
    /// are parameters) is parsed and planned once per connection and then only executed, where
    /// unprepared it is planned on every run — for the feeds' statements, with their arrays and
    /// subqueries, planning cost as much as executing. Left as written when the string sets
    /// <c>Max Auto Prepare</c> itself (<c>Max Auto Prepare=0</c> turns it off, e.g. behind a PgBouncer in
    /// transaction mode older than 1.21, which cannot carry prepared statements between server connections),
    /// and when it cannot be parsed (the validator names the problem).
    /// </summary>
    internal static string WithPostgresDefaults(string connectionString)
    {
        try
        {
            var written = new DbConnectionStringBuilder { ConnectionString = connectionString };
            foreach (string key in written.Keys)
            {
                if (string.Equals(key.Replace(" ", "", StringComparison.Ordinal), "MaxAutoPrepare", StringComparison.OrdinalIgnoreCase))
                {
                    return connectionString;
                }
            }
            return new NpgsqlConnectionStringBuilder(connectionString) { MaxAutoPrepare = PostgresMaxAutoPrepare }.ToString();
        }
        catch (Exception exception) when (exception is ArgumentException or FormatException or InvalidCastException)
        {
            return connectionString;
        }
    }
}

/// <summary>Refuses a start with a data folder or connection string that cannot work, naming the setting.</summary>
internal sealed class DatabaseSettingsValidator : IValidateOptions<DatabaseSettings>
{
    public ValidateOptionsResult Validate(string? name, DatabaseSettings settings)
    {
        var failures = new List<string>();
        if (settings.DataProblem is { } problem)
        {
            failures.Add($"{DatabaseSettings.Section}:Data (or --data) is not a usable folder path: {problem}");
        }
        if (settings.SynchronousProblem is { } synchronous)
        {
            failures.Add(synchronous);
        }
        if (settings.Provider == DatabaseProvider.Postgres)
        {
            try
            {
                _ = new NpgsqlConnectionStringBuilder(settings.ConnectionString);
            }
            catch (Exception exception) when (exception is ArgumentException or FormatException or InvalidCastException)
            {
                // The parser's message names the bad keyword or position, not the value (which may hold a password).
                failures.Add($"{DatabaseSettings.Section}:Database is not a PostgreSQL connection string: {exception.Message}");
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
