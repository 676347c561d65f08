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
