using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.Data.Sqlite;
using Npgsql;
using Xunit.Abstractions;

namespace Mindstack.Hardening.Tests;

/// <summary>
/// The published server killed with SIGKILL while clients write, then started again on the same
/// data: every acknowledged write is there, every ledger movement balances and the balance is
/// what the sessions charged exactly once, every session's job finished once, and every finished
/// session's webhook arrived at least once, under one event id however often it came.
/// </summary>
[Trait(PublishedServer.Trait, PublishedServer.Value)]
public sealed class CrashTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Sigkill_UnderWrites_AcknowledgedKeptLedgerBalancedJobsOnceWebhooksAtLeastOnce()
    {
        using var database = MindstackFactory.CreateDatabase();
        await using var receiver = new LoopbackReceiver();
        var environment = new Dictionary<string, string>
        {
            ["Mindstack__Limits__RateLimitsEnabled"] = "false",
            ["Mindstack__Webhooks__AllowPrivateTargets"] = "true",
            ["Mindstack__MindPeeker__StartDelayMilliseconds"] = "0",
            ["Mindstack__Jobs__LeaseSeconds"] = "3",
            ["Mindstack__Jobs__PollMilliseconds"] = "200",
        };

        var server = await ServerProcess.StartAsync(database.DataDirectory, environment, database.PostgresConnectionString);
        using var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var name = "crash" + Guid.NewGuid().ToString("N")[..8];
        using var registered = await http.PostAsJsonAsync("/mindpeeker/v1/auth/register",
            new { email = name + "@example.com", username = name, password = "securePassword123" });
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        var data = (await registered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("data");
        var token = data.GetProperty("token").GetString()!;
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using (var hook = await http.PostAsJsonAsync("/mindpeeker/v1/webhooks",
            new { url = receiver.Url("/hook"), events = new[] { "session.completed", "session.failed" }, secret = "whsec_crash_0123456789" }))
        {
            Assert.Equal(HttpStatusCode.Created, hook.StatusCode);
        }
        var creditsBefore = await CreditsAsync(http);

        // Writers until the kill; a write counts only once the server acknowledged it.
        var acknowledged = new ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var created = await http.PostAsJsonAsync("/mindpeeker/v1/sessions",
                        new { cue = "Describe the location of the missing aircraft in the Pacific Ocean", session_type = "intuitive_analysis" }, stop.Token);
                    if (created.StatusCode == HttpStatusCode.Created)
                    {
                        acknowledged.Add((await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("data").GetProperty("id").GetString()!);
                    }
                    else if (created.StatusCode == HttpStatusCode.PaymentRequired)
                    {
                        return;
                    }
                }
                catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
                {
                    return;
                }
            }
        })).ToList();
        // Kill while writes are landing: once some are acknowledged (a loaded machine may take a
        // while for the first), a little later, mid-stream.
        await Eventually.UntilAsync(() => acknowledged.Count >= 3, "the first acknowledged writes", TimeSpan.FromSeconds(90), Poll);
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        server.Kill();
        await stop.CancelAsync();
        await Task.WhenAll(writers);
        await server.DisposeAsync();
        Assert.NotEmpty(acknowledged);

        await using var restarted = await ServerProcess.StartAsync(database.DataDirectory, environment, database.PostgresConnectionString);
        using var again = new HttpClient { BaseAddress = restarted.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        again.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        // Every acknowledged session is there and reaches an end.
        var finished = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var deadline = Stopwatch.StartNew();
        foreach (var id in acknowledged)
        {
            finished[id] = await Eventually.UntilAsync(async () =>
            {
                using var response = await again.GetAsync($"/mindpeeker/v1/sessions/{id}");
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"acknowledged session {id} lost: {(int)response.StatusCode}");
                return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("data");
            }, detail => Final(detail), $"session {id} to finish after the restart", Left(deadline), Poll);
        }

        // Every session of the account (acknowledged or not) charged exactly once: the balance is
        // the starting credits less what the finished sessions used, and nothing stays held.
        // Sessions stored but not acknowledged (the kill came before the answer) run too: wait for all.
        var sessions = await Eventually.UntilAsync(() => AllSessionsAsync(again), all => all.Values.All(Final),
            "every stored session to finish after the restart", Left(deadline), Poll);
        Assert.All(acknowledged, id => Assert.Contains(id, sessions.Keys));
        var used = sessions.Values.Sum(s => s.GetProperty("credits_used").GetInt64());
        Assert.Equal(creditsBefore - used, await CreditsAsync(again));
        await AssertLedgerBalancedAsync(database);

        // Webhooks: each finished session's event arrived, every copy under one event id.
        var expected = sessions.Values.Where(s => s.GetProperty("status").GetString() is "completed" or "failed")
            .Select(s => s.GetProperty("id").GetString()!).ToList();
        var eventIds = await Eventually.UntilAsync(() => Task.FromResult(receiver.Received
                .Select(r => (Session: JsonDocument.Parse(r.Body).RootElement.GetProperty("data").GetProperty("session_id").GetString()!,
                    EventId: r.Headers.First(h => h.Key.Equals("X-Mindstack-Event-Id", StringComparison.OrdinalIgnoreCase)).Value))
                .GroupBy(x => x.Session)
                .ToDictionary(g => g.Key, g => g.Select(x => x.EventId).ToHashSet())),
            ids => expected.All(ids.ContainsKey), "a webhook for every finished session", TimeSpan.FromMinutes(2), Poll);
        Assert.All(expected, id => Assert.True(eventIds.ContainsKey(id), $"no webhook for session {id}"));
        Assert.All(eventIds, e => Assert.Single(e.Value));
        output.WriteLine($"{acknowledged.Count} acknowledged sessions, {sessions.Count} stored, {receiver.Received.Count} webhook deliveries for {eventIds.Count} sessions; credits {creditsBefore} → {creditsBefore - used}");
    }

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

    private static bool Final(JsonElement session) => session.GetProperty("status").GetString() is "completed" or "failed" or "cancelled";

    /// <summary>What is left of the three minutes every session has to finish after the restart.</summary>
    private static TimeSpan Left(Stopwatch since) => TimeSpan.FromMinutes(3) - since.Elapsed;

    private static async Task<long> CreditsAsync(HttpClient http)
    {
        var me = await http.GetFromJsonAsync<JsonElement>("/mindpeeker/v1/users/me");
        return me.GetProperty("data").GetProperty("credits").GetInt64();
    }

    private static async Task<Dictionary<string, JsonElement>> AllSessionsAsync(HttpClient http)
    {
        var all = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        for (var offset = 0; ; offset += 100)
        {
            var page = await http.GetFromJsonAsync<JsonElement>($"/mindpeeker/v1/sessions?limit=100&offset={offset}");
            var items = page.GetProperty("data").GetProperty("sessions");
            foreach (var session in items.EnumerateArray())
            {
                var id = session.GetProperty("id").GetString()!;
                all[id] = (await http.GetFromJsonAsync<JsonElement>($"/mindpeeker/v1/sessions/{id}")).GetProperty("data");
            }
            if (items.GetArrayLength() < 100)
            {
                return all;
            }
        }
    }

    /// <summary>Double entry held through the crash: every movement's entries sum to zero.</summary>
    private static async Task AssertLedgerBalancedAsync(TestDatabase database)
    {
        await using DbConnection connection = database.PostgresConnectionString is { } postgres
            ? new NpgsqlConnection(postgres)
            : new SqliteConnection($"Data Source={Path.Combine(database.DataDirectory, "mindstack.db")}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT COUNT(*) FROM billing_movements m
            WHERE NOT EXISTS (SELECT 1 FROM billing_entries e WHERE e.movement_id = m.id)
               OR (SELECT SUM(e.amount) FROM billing_entries e WHERE e.movement_id = m.id) <> 0
            """;
        Assert.Equal(0L, Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture));
    }
}
