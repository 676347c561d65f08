using System.Net;

namespace Mindstack.PluginMind.Tests;

/// <summary>
/// <c>/ready</c> against a database that really goes away: the test's own database is removed
/// while the server runs (PostgreSQL: the database is dropped, its connections ended; SQLite: the
/// file goes with its folder, so nothing can silently create an empty one). No fake of our own
/// database layer: the platform's real probe must notice.
/// </summary>
public sealed class ReadinessTests
{
    private const string Base = PluginMindFactory.Base;

    [Fact]
    public async Task Ready_DatabaseRemoved_503ServiceUnavailableEnvelopeWithChecks()
    {
        using var factory = new PluginMindFactory();
        // HTTP only: no workers polling a database that is about to disappear.
        factory.WithSetting("Mindstack:Jobs:Workers", "0");
        using (var up = await factory.SendRawAsync(HttpMethod.Get, $"{Base}/ready"))
        {
            Assert.Equal(HttpStatusCode.OK, up.StatusCode);
        }

        // Drops the PostgreSQL database (WITH FORCE) or deletes the SQLite file's folder; the
        // factory's own dispose later finds nothing left to remove.
        factory.Database.Dispose();

        using var response = await factory.SendRawAsync(HttpMethod.Get, $"{Base}/ready", headers: h => h.Add("X-Request-ID", "ready-probe-1"));
        var error = await factory.ErrorAsync(response, HttpStatusCode.ServiceUnavailable, "SERVICE_UNAVAILABLE");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("ready-probe-1", error.GetProperty("correlation_id").GetString());
        var details = error.GetProperty("details");
        Assert.Equal("not_ready", details.GetProperty("status").GetString());
        Assert.Equal("error", details.GetProperty("checks").GetProperty("db").GetString());
        Assert.Equal("ok", details.GetProperty("checks").GetProperty("env").GetString());

        // Liveness does not depend on the database: the process is alive, just not ready.
        using var live = await factory.SendRawAsync(HttpMethod.Get, $"{Base}/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }
}
