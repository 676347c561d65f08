using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Tests.Storage;

/// <summary>An empty database of the matrix's provider migrates to exactly the schema the model maps.</summary>
public sealed class MigrationTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    [Fact]
    public async Task Migrate_EmptyDatabase_EveryMappedTableAndColumnExists()
    {
        _ = factory.Server; // the server migrates an empty database on start
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
        Assert.Equal(TestDatabase.UsePostgres ? DatabaseProvider.Postgres : DatabaseProvider.Sqlite, db.Provider);

        foreach (var entity in db.Model.GetEntityTypes().Where(e => e.GetTableName() is not null))
        {
            var table = entity.GetTableName()!;
            var columns = entity.GetProperties().Select(p => p.GetColumnName()).ToList();
            var sql = $"SELECT {string.Join(", ", columns.Select(c => $"\"{c}\""))} FROM \"{table}\" WHERE 1 = 0";
            // Fails if the migrations did not create the table or any mapped column.
            await db.Database.ExecuteSqlRawAsync(sql);
        }
    }

    [Fact]
    public async Task Migrate_SecondRun_AppliesNothingAndRecordsEveryMigration()
    {
        _ = factory.Server;
        await using var scope = factory.Services.CreateAsyncScope();
        var runner = scope.ServiceProvider.GetRequiredService<MigrationRunner>();
        Assert.Empty(await runner.MigrateAsync());

        var db = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
        var recorded = await db.Database.SqlQueryRaw<string>("SELECT id AS \"Value\" FROM __mindstack_migrations").ToListAsync();
        var known = scope.ServiceProvider.GetRequiredService<MigrationAssemblies>().Discover().Select(m => m.Id);
        Assert.Equal(known.Order(StringComparer.Ordinal), recorded.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Migrate_CurrentDatabase_LeavesTheContextUnset()
    {
        _ = factory.Server;
        // Contexts are pooled: hold leases until the pool is empty, so the runner's is a new instance.
        var held = new List<AsyncServiceScope>();
        try
        {
            while (held.Count < 200)
            {
                var lease = factory.Services.CreateAsyncScope();
                held.Add(lease);
                if (!lease.ServiceProvider.GetRequiredService<MindstackDbContext>().IsInitialized)
                {
                    break;
                }
            }
            await using var scope = factory.Services.CreateAsyncScope();
            Assert.Empty(await scope.ServiceProvider.GetRequiredService<MigrationRunner>().MigrateAsync());

            // The check ran on a connection of its own: the context (whose set-up waits for the model) was never used.
            Assert.False(scope.ServiceProvider.GetRequiredService<MindstackDbContext>().IsInitialized);
        }
        finally
        {
            foreach (var lease in held)
            {
                await lease.DisposeAsync();
            }
        }
    }

    [Fact]
    public void Ids_SameMillisecond_SortInCreationOrder()
    {
        var ids = factory.Services.GetRequiredService<IIdGenerator>();
        var made = Enumerable.Range(0, 1000).Select(_ => ids.New("session")).ToList();
        Assert.All(made, id => Assert.Matches("^session_[0-9A-HJKMNP-TV-Z]{26}$", id));
        Assert.Equal(made, made.Order(StringComparer.Ordinal));
        Assert.Equal(made.Count, made.Distinct().Count());
    }
}
