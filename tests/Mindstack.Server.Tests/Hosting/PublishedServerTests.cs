using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Mindstack.Platform.Tests.Hosting;

/// <summary>The published server, as an operator runs it: <c>--data</c>, an API's own port, SIGTERM.</summary>
[Trait(PublishedServer.Trait, PublishedServer.Value)]
public sealed class PublishedServerTests
{
    [Fact]
    public async Task PublishedServer_WithDataFolder_AnswersHealthAndStopsGracefully()
    {
        using var database = MindstackFactory.CreateDatabase();
        var mindraPort = ServerProcess.FreePort();
        await using var server = await ServerProcess.StartAsync(database.DataDirectory,
            new Dictionary<string, string> { ["Mindstack__Apis__Mindra__Port"] = mindraPort.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            database.PostgresConnectionString);
        using var client = new HttpClient { BaseAddress = server.BaseAddress };

        var health = await client.GetFromJsonAsync<JsonElement>("/health");
        Assert.Equal("ok", health.GetProperty("status").GetString());
        if (!TestDatabase.UsePostgres)
        {
            Assert.True(File.Exists(Path.Combine(database.DataDirectory, "mindstack.db")));
        }

        // Mindra on its own port, at the root, as its document writes its paths.
        using var own = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{mindraPort}") };
        var mindraHealth = await own.GetFromJsonAsync<JsonElement>("/health");
        Assert.Equal("healthy", mindraHealth.GetProperty("status").GetString());
        using var missing = await own.GetAsync("/v1/nothing");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("NOT_FOUND", (await missing.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());

        // One structured JSON log line per request, carrying the request id.
        using var traced = new HttpRequestMessage(HttpMethod.Get, "/health");
        traced.Headers.Add("X-Request-ID", "published-trace-1");
        (await client.SendAsync(traced)).Dispose();
        Assert.Equal(0, await server.StopAsync());
        var line = server.Output.Split('\n').Single(l => l.Contains("published-trace-1", StringComparison.Ordinal) && l.Contains("\"Status\":200", StringComparison.Ordinal));
        var log = JsonDocument.Parse(line).RootElement;
        Assert.Equal("GET", log.GetProperty("State").GetProperty("Method").GetString());
        // Started from its data folder, it still reads the appsettings.json it ships with (EF's SQL at Warning).
        Assert.DoesNotContain("Microsoft.EntityFrameworkCore.Database.Command", server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PublishedServer_Development_ReadableLogsAndFrontPage()
    {
        using var database = MindstackFactory.CreateDatabase();
        await using var server = await ServerProcess.StartAsync(database.DataDirectory,
            new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Development" }, database.PostgresConnectionString);
        using var client = new HttpClient { BaseAddress = server.BaseAddress };

        using var home = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        Assert.Contains("/docs/mindswarm", await home.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var traced = new HttpRequestMessage(HttpMethod.Get, "/health");
        traced.Headers.Add("X-Request-ID", "readable-trace-1");
        (await client.SendAsync(traced)).Dispose();
        Assert.Equal(0, await server.StopAsync());

        // One readable line per entry ("info: Category[id] message"), no JSON objects, no SQL.
        var lines = server.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains(lines, l => l.Contains("info: ", StringComparison.Ordinal) && l.Contains("readable-trace-1", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.StartsWith('{'));
        Assert.DoesNotContain("Microsoft.EntityFrameworkCore.Database.Command", server.Output, StringComparison.Ordinal);
    }
}
