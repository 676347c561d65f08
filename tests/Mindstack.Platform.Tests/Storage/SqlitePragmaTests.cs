using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Tests.Storage;

/// <summary>SQLite runs in WAL mode, synced at checkpoints by default and on every commit when asked.</summary>
public sealed class SqlitePragmaTests
{
    [Theory]
    [InlineData(null, 1L)]
    [InlineData("Full", 2L)]
    [InlineData("normal", 1L)]
    public async Task Connection_SqliteSynchronousSetting_AppliedOnEveryConnection(string? setting, long expected)
    {
        if (TestDatabase.UsePostgres)
        {
            return;
        }
        using var factory = new PlatformFactory();
        if (setting is not null)
        {
            factory.WithSetting(DatabaseSettings.SqliteSynchronousKey, setting);
        }
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
        var mode = await db.Database.SqlQueryRaw<string>("SELECT journal_mode AS \"Value\" FROM pragma_journal_mode").SingleAsync();
        var synchronous = await db.Database.SqlQueryRaw<long>("SELECT synchronous AS \"Value\" FROM pragma_synchronous").SingleAsync();

        Assert.Equal("wal", mode);
        Assert.Equal(expected, synchronous);
    }
}

/// <summary>A writer that finds SQLite's write lock taken waits for it through the platform's busy handler.</summary>
public sealed class SqliteBusyHandlerTests
{
    [Fact]
    public async Task Write_LockHeldByAnotherConnection_WaitsAndSucceeds()
    {
        if (TestDatabase.UsePostgres)
        {
            return;
        }
        using var factory = new PlatformFactory();
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
        await db.Database.OpenConnectionAsync();
        Assert.True(SqliteBusyHandler.TryInstall((Microsoft.Data.Sqlite.SqliteConnection)db.Database.GetDbConnection()));

        await using var holder = new Microsoft.Data.Sqlite.SqliteConnection(db.Database.GetConnectionString());
        await holder.OpenAsync();
        await using (var begin = holder.CreateCommand())
        {
            begin.CommandText = "BEGIN IMMEDIATE";
            await begin.ExecuteNonQueryAsync();
        }
        var release = Task.Run(async () =>
        {
            await Task.Delay(300);
            await using var commit = holder.CreateCommand();
            commit.CommandText = "COMMIT";
            await commit.ExecuteNonQueryAsync();
        });

        var written = await db.Database.ExecuteSqlRawAsync(
            "INSERT INTO jobs_leases (name, owner, expires_at) VALUES ('busy-probe', 'test', '2000-01-01 00:00:00')");
        await release;

        Assert.Equal(1, written);
    }
}

/// <summary>
/// SQLite's per-connection pragmas are set once per native connection: they still hold when the
/// connection pool hands the same native connection to the next open, and to the next pooled context.
/// </summary>
public sealed class SqlitePooledConnectionTests
{
    [Fact]
    public async Task Connection_ClosedAndReopened_PragmasStillHold()
    {
        if (TestDatabase.UsePostgres)
        {
            return;
        }
        using var factory = new PlatformFactory();
        // NORMAL (1) is the platform's default; SQLite's own default is FULL (2), so a reopened
        // connection that lost the setting would show.
        for (var lease = 0; lease < 3; lease++)
        {
            await using var scope = factory.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
            for (var open = 0; open < 3; open++)
            {
                await db.Database.OpenConnectionAsync();
                var synchronous = await db.Database.SqlQueryRaw<long>("SELECT synchronous AS \"Value\" FROM pragma_synchronous").SingleAsync();
                await db.Database.CloseConnectionAsync();

                Assert.Equal(1L, synchronous);
            }
        }
    }
}
