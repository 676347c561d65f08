using System.Data.Common;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Mindstack.Platform.Storage;

/// <summary>The assemblies whose <see cref="SchemaMigration"/>s make up the schema.</summary>
public sealed class MigrationAssemblies
{
    private readonly HashSet<Assembly> _assemblies = [];

    public void Add(Assembly assembly) => _assemblies.Add(assembly);

    public IReadOnlyList<SchemaMigration> Discover()
    {
        var migrations = _assemblies
            .SelectMany(a => a.GetTypes())
            .Where(t => t is { IsAbstract: false, IsClass: true } && t.IsSubclassOf(typeof(SchemaMigration)))
            .Select(t => (SchemaMigration)Activator.CreateInstance(t)!)
            .OrderBy(m => m.Id, StringComparer.Ordinal)
            .ToList();
        var duplicate = migrations.GroupBy(m => m.Id).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"Two migrations share the id '{duplicate.Key}'.");
        }
        return migrations;
    }
}

/// <summary>
/// Applies pending migrations at start, each in its own transaction, recording them in
/// <c>__mindstack_migrations</c>. On PostgreSQL an advisory lock keeps two starting nodes from
/// migrating at once. A database that is already current costs one query and takes no lock.
/// </summary>
public sealed class MigrationRunner(
    MindstackDbContext db,
    DatabaseSettings settings,
    MigrationAssemblies assemblies,
    ILogger<MigrationRunner> logger)
{
    private const long AdvisoryLockKey = 0x6D696E6473746B; // "mindstk"

    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken cancellationToken = default)
    {
        var migrations = assemblies.Discover();
        var applied = new List<string>();
        if (await IsCurrentAsync(migrations, cancellationToken))
        {
            return applied;
        }
        await db.Database.OpenConnectionAsync(cancellationToken);
        var locked = false;
        try
        {
            if (db.Provider == DatabaseProvider.Sqlite)
            {
                await ExecuteOnConnectionAsync("PRAGMA journal_mode=WAL;", cancellationToken);
            }
            if (db.Provider == DatabaseProvider.Postgres)
            {
                await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_lock({AdvisoryLockKey})", cancellationToken);
                locked = true;
            }
            await db.Database.ExecuteSqlRawAsync(
                "CREATE TABLE IF NOT EXISTS __mindstack_migrations (id varchar(200) NOT NULL PRIMARY KEY, applied_at varchar(40) NOT NULL)",
                cancellationToken);
            var done = (await db.Database
                .SqlQueryRaw<string>("SELECT id AS \"Value\" FROM __mindstack_migrations")
                .ToListAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);

            var generator = db.GetService<IMigrationsSqlGenerator>();
            foreach (var migration in migrations.Where(m => !done.Contains(m.Id)))
            {
                var builder = new MigrationBuilder(db.Database.ProviderName);
                migration.Up(builder, db.Provider);
                var commands = generator.Generate(builder.Operations);
                await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
                foreach (var command in commands)
                {
                    await db.Database.ExecuteSqlRawAsync(command.CommandText, cancellationToken);
                }
                await db.Database.ExecuteSqlAsync(
                    $"INSERT INTO __mindstack_migrations (id, applied_at) VALUES ({migration.Id}, {DateTime.UtcNow.ToString("O")})",
                    cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                logger.LogInformation("Applied migration {MigrationId}", migration.Id);
                applied.Add(migration.Id);
            }
        }
        finally
        {
            if (locked)
            {
                await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_unlock({AdvisoryLockKey})", CancellationToken.None);
            }
            await db.Database.CloseConnectionAsync();
        }
        return applied;
    }

    /// <summary>
    /// A digest of the migration set as this provider would run it (ids and generated SQL), without
    /// touching the database: equal digests mean equal schemas (tests key template databases on it).
    /// </summary>
    public string SchemaFingerprint()
    {
        var generator = db.GetService<IMigrationsSqlGenerator>();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var migration in assemblies.Discover())
        {
            var builder = new MigrationBuilder(db.Database.ProviderName);
            migration.Up(builder, db.Provider);
            hash.AppendData(Encoding.UTF8.GetBytes(migration.Id + "\n"));
            foreach (var command in generator.Generate(builder.Operations))
            {
                hash.AppendData(Encoding.UTF8.GetBytes(command.CommandText + "\n"));
            }
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>
    /// True when every migration is recorded: the common start, so it runs without the lock. One
    /// query on a connection of its own, not the context's: opening the context's connection sets
    /// its services up with the model, and would wait for the model's build (most of a start's
    /// cost, which runs meanwhile). A missing table (a new database) is an error, and means not current.
    /// </summary>
    private async Task<bool> IsCurrentAsync(IReadOnlyList<SchemaMigration> migrations, CancellationToken cancellationToken)
    {
        var done = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            await using DbConnection connection = settings.Provider == DatabaseProvider.Postgres
                ? new NpgsqlConnection(settings.ConnectionString)
                : new SqliteConnection(settings.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            if (settings.Provider == DatabaseProvider.Sqlite)
            {
                // WAL is kept by the file; a busy wait in case another process holds the lock.
                command.CommandText = "PRAGMA busy_timeout=30000; PRAGMA journal_mode=WAL;";
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
            command.CommandText = "SELECT id FROM __mindstack_migrations";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                done.Add(reader.GetString(0));
            }
        }
        catch (DbException)
        {
            // No table yet (or another failure, which the migration path below meets and reports).
            return false;
        }
        return migrations.All(m => done.Contains(m.Id));
    }

    private async Task ExecuteOnConnectionAsync(string sql, CancellationToken cancellationToken)
    {
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
