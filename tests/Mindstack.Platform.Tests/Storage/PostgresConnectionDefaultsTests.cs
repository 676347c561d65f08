using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Storage;
using Npgsql;

namespace Mindstack.Platform.Tests.Storage;

/// <summary>A PostgreSQL connection string gets automatic preparation unless it says otherwise.</summary>
public sealed class PostgresConnectionDefaultsTests
{
    [Theory]
    [InlineData("Host=db;Database=mindstack;Username=app", DatabaseSettings.PostgresMaxAutoPrepare)]
    [InlineData("Host=db;Database=mindstack;Max Auto Prepare=0", 0)]
    [InlineData("Host=db;Database=mindstack;maxautoprepare=20", 20)]
    [InlineData("Host=db;Database=mindstack;Auto Prepare Min Usages=2", DatabaseSettings.PostgresMaxAutoPrepare)]
    public void WithPostgresDefaults_SetsMaxAutoPrepareUnlessWritten(string connectionString, int expected)
    {
        var resolved = new NpgsqlConnectionStringBuilder(DatabaseSettings.WithPostgresDefaults(connectionString));

        Assert.Equal(expected, resolved.MaxAutoPrepare);
        Assert.Equal("db", resolved.Host);
        Assert.Equal("mindstack", resolved.Database);
    }

    [Fact]
    public void WithPostgresDefaults_Unparseable_LeftForTheValidator()
    {
        Assert.Equal("Host=db;Port=notaport", DatabaseSettings.WithPostgresDefaults("Host=db;Port=notaport"));
    }

    [Fact]
    public async Task Host_OnPostgres_PreparesRepeatedStatements()
    {
        if (!TestDatabase.UsePostgres)
        {
            return;
        }
        using var factory = new PlatformFactory();
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
        Assert.Equal(DatabaseSettings.PostgresMaxAutoPrepare, new NpgsqlConnectionStringBuilder(db.Database.GetConnectionString()).MaxAutoPrepare);

        await db.Database.OpenConnectionAsync();
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(i, await db.Database.SqlQuery<int>($"SELECT {i} AS \"Value\"").SingleAsync());
        }
        var prepared = await db.Database.SqlQueryRaw<long>("SELECT count(*) AS \"Value\" FROM pg_prepared_statements").SingleAsync();
        Assert.True(prepared >= 1, "the statement run six times was not prepared");
    }
}
