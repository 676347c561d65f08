using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Logging;

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
/// migrating at once.
/// </summary>
public sealed class MigrationRunner(
    MindstackDbContext db,
    MigrationAssemblies assemblies,
    ILogger<MigrationRunner> logger)
{
    private const long AdvisoryLockKey = 0x6D696E6473746B; // "mindstk"

    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken cancellationToken = default)
    {
        var migrations = assemblies.Discover();
        var applied = new List<string>();
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            if (db.Provider == DatabaseProvider.Postgres)
            {
                await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_lock({AdvisoryLockKey})", cancellationToken);
            }
            else
            {
                await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
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
            if (db.Provider == DatabaseProvider.Postgres)
            {
                await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_unlock({AdvisoryLockKey})", CancellationToken.None);
            }
            await db.Database.CloseConnectionAsync();
        }
        return applied;
    }
}
