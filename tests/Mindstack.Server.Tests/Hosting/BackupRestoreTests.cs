using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Mindstack.Platform.Tests.Hosting;

/// <summary><c>backup</c> while the published server takes writes, then <c>restore</c> into an empty folder (and database).</summary>
[Trait(PublishedServer.Trait, PublishedServer.Value)]
public sealed class BackupRestoreTests
{
    [Fact]
    public async Task Backup_UnderWriteLoad_RestoreHoldsEveryAcknowledgedWrite()
    {
        using var database = MindstackFactory.CreateDatabase();
        await using var server = await ServerProcess.StartAsync(database.DataDirectory,
            new Dictionary<string, string> { ["Mindstack__Limits__RateLimitsEnabled"] = "false" }, database.PostgresConnectionString);
        using var client = new HttpClient { BaseAddress = server.BaseAddress };
        var acknowledged = new ConcurrentQueue<(string Email, DateTime At)>();
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var name = "b" + Guid.NewGuid().ToString("N")[..12];
                using var response = await client.PostAsJsonAsync("/mindpeeker/v1/auth/register",
                    new { email = name + "@example.com", username = name, password = "securePassword123", tier = "basic", marketing_consent = true });
                Assert.Equal(HttpStatusCode.Created, response.StatusCode);
                acknowledged.Enqueue((name + "@example.com", DateTime.UtcNow));
            }
        })).ToList();
        await Eventually.UntilAsync(() => Task.FromResult(acknowledged.Count), n => n >= 4, "writes before the backup");

        var file = Path.Combine(database.DataDirectory, "..", "backup-" + Guid.NewGuid().ToString("N")[..8] + ".zip");
        var startedAt = DateTime.UtcNow;
        var backup = await Cli.RunAsync(database, "backup", "--to", file);
        await stop.CancelAsync();
        await Task.WhenAll(writers);
        Assert.True(backup.ExitCode == 0, backup.Output + backup.Error);
        var mustHave = acknowledged.Where(w => w.At < startedAt).Select(w => w.Email).ToList();
        Assert.NotEmpty(mustHave);

        try
        {
            using var restored = TestDatabase.CreateEmpty();
            var restore = await Cli.RunAsync(restored, "restore", "--from", file);
            Assert.True(restore.ExitCode == 0, restore.Output + restore.Error);
            Assert.Equal(File.ReadAllBytes(Path.Combine(database.DataDirectory, "data-protection.key")),
                File.ReadAllBytes(Path.Combine(restored.DataDirectory, "data-protection.key")));
            var emails = await EmailsAsync(restored);
            Assert.All(mustHave, email => Assert.Contains(email, emails));
            var migrate = await Cli.RunAsync(restored, "migrate");
            Assert.Contains("schema is current", migrate.Output, StringComparison.Ordinal);

            // A restore never overwrites: the folder is not empty any more.
            Assert.Equal(2, (await Cli.RunAsync(restored, "restore", "--from", file)).ExitCode);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static async Task<HashSet<string>> EmailsAsync(TestDatabase database)
    {
        var emails = new HashSet<string>(StringComparer.Ordinal);
        if (database.PostgresConnectionString is { } postgres)
        {
            await using var connection = new NpgsqlConnection(postgres);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT email FROM accounts_accounts", connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                emails.Add(reader.GetString(0));
            }
            NpgsqlConnection.ClearPool(connection);
        }
        else
        {
            await using var connection = new SqliteConnection($"Data Source={Path.Combine(database.DataDirectory, "mindstack.db")};Pooling=False");
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT email FROM accounts_accounts";
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                emails.Add(reader.GetString(0));
            }
        }
        return emails;
    }
}
