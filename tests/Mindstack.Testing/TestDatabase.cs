using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform;
using Mindstack.Platform.Storage;
using Npgsql;

namespace Mindstack.Testing;

/// <summary>
/// The provider matrix: SQLite always; PostgreSQL when <c>./test.sh</c> sets
/// <c>MINDSTACK_TEST_PROVIDER=postgres</c> and <c>MINDSTACK_TEST_POSTGRES</c> (a connection string to
/// a throwaway server). Each test database is new and dropped afterwards. On PostgreSQL it is a copy
/// of a template migrated once per migration set (<c>CREATE DATABASE … TEMPLATE</c>), so a test
/// starts on a current schema instead of migrating an empty database.
/// </summary>
public sealed class TestDatabase : IDisposable
{
    // Any constant shared by every test process: it serializes building the template.
    private const long TemplateLockKey = 0x6D737470_6C000001;
    private static readonly Lock TemplateGate = new();
    private const string SqliteFile = "mindstack.db";
    private static readonly string TemplateFolder = Path.Combine(Path.GetTempPath(), "mindstack-template");
    // Per schema: the whole server's and the platform tests' hosts migrate different tables.
    private static readonly Dictionary<string, string> Templates = new(StringComparer.Ordinal);
    private static readonly Dictionary<string, string> SqliteTemplates = new(StringComparer.Ordinal);
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

    /// <summary>
    /// A Data Protection master key (base64 of 32 bytes) for the nodes that share this database: a
    /// cluster configures one <c>Mindstack:DataProtection:MasterKey</c> for all its nodes.
    /// </summary>
    public string SharedMasterKey { get; } = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    /// <summary>The <c>Mindstack:Database</c> value, or null for SQLite.</summary>
    public string? PostgresConnectionString { get; }

    public static bool UsePostgres =>
        string.Equals(Environment.GetEnvironmentVariable("MINDSTACK_TEST_PROVIDER"), "postgres", StringComparison.OrdinalIgnoreCase);

    public static string ProviderName => UsePostgres ? "postgres" : "sqlite";

    /// <summary>A fresh database with the tables of <paramref name="schema"/>'s host.</summary>
    public static TestDatabase Create(TestSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var dataDirectory = Path.Combine(Path.GetTempPath(), "mindstack-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dataDirectory);
        if (!UsePostgres)
        {
            File.Copy(SqliteTemplate(schema), Path.Combine(dataDirectory, SqliteFile));
            return new TestDatabase(dataDirectory, null, null, null);
        }
        var admin = Environment.GetEnvironmentVariable("MINDSTACK_TEST_POSTGRES")
            ?? throw new InvalidOperationException("MINDSTACK_TEST_PROVIDER=postgres needs MINDSTACK_TEST_POSTGRES");
        var name = "mindstack_test_" + Guid.NewGuid().ToString("N")[..16];
        using (var connection = new NpgsqlConnection(admin))
        {
            connection.Open();
            using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\" TEMPLATE \"{Template(schema, admin)}\"", connection);
            command.ExecuteNonQuery();
        }
        var builder = new NpgsqlConnectionStringBuilder(admin) { Database = name };
        return new TestDatabase(dataDirectory, builder.ToString(), admin, name);
    }

    /// <summary>
    /// An empty data folder and, on PostgreSQL, an empty database (no tables): what a restore fills.
    /// </summary>
    public static TestDatabase CreateEmpty()
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
            Execute(connection, $"CREATE DATABASE \"{name}\"");
        }
        return new TestDatabase(dataDirectory, new NpgsqlConnectionStringBuilder(admin) { Database = name }.ToString(), admin, name);
    }

    /// <summary>A SQLite file migrated once per test process, copied into each test's data folder.</summary>
    private static string SqliteTemplate(TestSchema schema)
    {
        lock (TemplateGate)
        {
            if (SqliteTemplates.TryGetValue(schema.Name, out var built))
            {
                return built;
            }
            var folder = Path.Combine(Path.GetTempPath(), "mindstack-template-" + Guid.NewGuid().ToString("N")[..12]);
            Directory.CreateDirectory(folder);
            using (var services = Services(schema, "", folder))
            {
                services.MigrateDatabaseAsync().GetAwaiter().GetResult();
                var settings = services.GetRequiredService<DatabaseSettings>();
                // Closing its pooled connections checkpoints the WAL into the file, so the file alone is the database.
                using var connection = new SqliteConnection(settings.ConnectionString);
                SqliteConnection.ClearPool(connection);
            }
            return SqliteTemplates[schema.Name] = Path.Combine(folder, SqliteFile);
        }
    }

    /// <summary>
    /// The migrated template of this migration set, built once by whichever test process gets the
    /// advisory lock first (the test projects run in parallel); its name carries the set's digest,
    /// so a changed migration gets a template of its own.
    /// </summary>
    private static string Template(TestSchema schema, string admin)
    {
        lock (TemplateGate)
        {
            if (Templates.TryGetValue(schema.Name, out var built))
            {
                return built;
            }
            string fingerprint;
            using (var services = Services(schema, admin, TemplateFolder))
            using (var scope = services.CreateScope())
            {
                fingerprint = scope.ServiceProvider.GetRequiredService<MigrationRunner>().SchemaFingerprint();
            }
            var template = "mindstack_tpl_" + fingerprint[..20];
            using var connection = new NpgsqlConnection(admin);
            connection.Open();
            Execute(connection, $"SELECT pg_advisory_lock({TemplateLockKey})");
            try
            {
                using var exists = new NpgsqlCommand("SELECT count(*) FROM pg_database WHERE datname = @name", connection);
                exists.Parameters.AddWithValue("name", template);
                if ((long)exists.ExecuteScalar()! == 0)
                {
                    // Built under another name and renamed when complete: a run that dies midway leaves no half template.
                    var building = template + "_building";
                    Execute(connection, $"DROP DATABASE IF EXISTS \"{building}\" WITH (FORCE)");
                    Execute(connection, $"CREATE DATABASE \"{building}\"");
                    var target = new NpgsqlConnectionStringBuilder(admin) { Database = building, Pooling = false }.ToString();
                    using (var services = Services(schema, target, TemplateFolder))
                    {
                        services.MigrateDatabaseAsync().GetAwaiter().GetResult();
                    }
                    Execute(connection, $"ALTER DATABASE \"{building}\" RENAME TO \"{template}\"");
                }
            }
            finally
            {
                Execute(connection, $"SELECT pg_advisory_unlock({TemplateLockKey})");
            }
            return Templates[schema.Name] = template;
        }
    }

    private static ServiceProvider Services(TestSchema schema, string connectionString, string dataDirectory)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["data"] = dataDirectory,
            ["Mindstack:Database"] = connectionString,
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        schema.Compose(services, configuration);
        return services.BuildServiceProvider();
    }

    private static void Execute(NpgsqlConnection connection, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
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
