using Npgsql;

namespace Mindstack.Testing;

/// <summary>
/// The provider matrix: SQLite always; PostgreSQL when <c>./test.sh</c> sets
/// <c>MINDSTACK_TEST_PROVIDER=postgres</c> and <c>MINDSTACK_TEST_POSTGRES</c> (a connection string to
/// a throwaway server). Each test database is new and dropped afterwards.
/// </summary>
public sealed class TestDatabase : IDisposable
{
    private readonly string? _adminConnectionString;
    private readonly string? _databaseName;

    private TestDatabase(string dataDirectory, string? connectionString, string? adminConnectionString, string? databaseName)
    {
        DataDirectory = dataDirectory;
        PostgresConnectionString = connectionString;
        _adminConnectionString = adminConnectionString;
        _databaseName = databaseName;
    }

    /// <summary>The server's data folder for this test (always a new temp folder).</summary>
    public string DataDirectory { get; }

    /// <summary>The <c>Mindstack:Database</c> value, or null for SQLite.</summary>
    public string? PostgresConnectionString { get; }

    public static bool UsePostgres =>
        string.Equals(Environment.GetEnvironmentVariable("MINDSTACK_TEST_PROVIDER"), "postgres", StringComparison.OrdinalIgnoreCase);

    public static string ProviderName => UsePostgres ? "postgres" : "sqlite";

    public static TestDatabase Create()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "mindstack-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dataDirectory);
        if (!UsePostgres)
        {
            return new TestDatabase(dataDirectory, null, null, null);
        }
        var admin = Environment.GetEnvironmentVariable("MINDSTACK_TEST_POSTGRES")
            ?? throw new InvalidOperationException("MINDSTACK_TEST_PROVIDER=postgres needs MINDSTACK_TEST_POSTGRES");
        var name = "mindstack_test_" + Guid.NewGuid().ToString("N")[..16];
        using (var connection = new NpgsqlConnection(admin))
        {
            connection.Open();
            using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            command.ExecuteNonQuery();
        }
        var builder = new NpgsqlConnectionStringBuilder(admin) { Database = name };
        return new TestDatabase(dataDirectory, builder.ToString(), admin, name);
    }

    public void Dispose()
    {
        if (_adminConnectionString is not null && _databaseName is not null)
        {
            NpgsqlConnection.ClearAllPools();
            try
            {
                using var connection = new NpgsqlConnection(_adminConnectionString);
                connection.Open();
                using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_databaseName}\" WITH (FORCE)", connection);
                command.ExecuteNonQuery();
            }
            catch (NpgsqlException)
            {
                // The throwaway cluster is deleted by ./test.sh anyway.
            }
        }
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
