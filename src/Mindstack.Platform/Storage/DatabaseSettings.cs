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

/// <summary>
/// Where the data lives, bound from <c>Mindstack:*</c> and validated at start:
/// <c>Mindstack:Database</c> (a PostgreSQL connection string) switches the whole server to
/// PostgreSQL; without it, a SQLite file in the data folder (<c>--data DIR</c>, else
/// <c>Mindstack:Data</c>, else <c>./data</c>).
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

    public string ConnectionString { get; private set; } = "";

    /// <summary>The data folder as a full path (the SQLite file, generated keys, the email outbox).</summary>
    public string DataDirectory { get; private set; } = "";

    /// <summary>Why the data folder cannot be used, found while resolving it.</summary>
    internal string? DataProblem { get; private set; }

    /// <summary>Works out the provider, connection string and full data path from what was bound.</summary>
    internal void Resolve(IConfiguration configuration)
    {
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
            ConnectionString = Database;
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
