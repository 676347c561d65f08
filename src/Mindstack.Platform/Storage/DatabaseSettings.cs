using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;

namespace Mindstack.Platform.Storage;

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

/// <summary>
/// Where the data lives: <c>Mindstack:Database</c> (a PostgreSQL connection string) switches the
/// whole server to PostgreSQL; without it, a SQLite file in the data folder.
/// </summary>
public sealed record DatabaseSettings(DatabaseProvider Provider, string ConnectionString, string DataDirectory)
{
    public static DatabaseSettings FromConfiguration(IConfiguration configuration)
    {
        var dataDirectory = Path.GetFullPath(DataFolder(configuration));
        var postgres = configuration["Mindstack:Database"];
        if (!string.IsNullOrWhiteSpace(postgres))
        {
            return new DatabaseSettings(DatabaseProvider.Postgres, postgres, dataDirectory);
        }
        var file = Path.Combine(dataDirectory, "mindstack.db");
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = file,
            ForeignKeys = true,
            DefaultTimeout = 30,
            Pooling = true,
        };
        return new DatabaseSettings(DatabaseProvider.Sqlite, builder.ToString(), dataDirectory);
    }

    /// <summary>The data folder: <c>--data DIR</c>, else <c>Mindstack:Data</c>, else <c>./data</c>.</summary>
    public static string DataFolder(IConfiguration configuration) =>
        configuration["data"] is { Length: > 0 } fromCli ? fromCli
        : configuration["Mindstack:Data"] is { Length: > 0 } fromConfig ? fromConfig
        : "data";
}
