using System.Net;
using System.Text.Json;
using Mindstack.Platform.Limits;

namespace Mindstack.Platform.Tests.Limits;

/// <summary>A server whose idempotency wait is short and whose rate limits are switched off.</summary>
public sealed class LimitsSettingsFactory : LimitsFactory
{
    public LimitsSettingsFactory()
    {
        WithSetting("Mindstack:Limits:IdempotencyWait", "00:00:00.5");
        WithSetting("Mindstack:Limits:RateLimitsEnabled", "false");
    }
}

public sealed class LimitsSettingsTests(LimitsSettingsFactory factory) : IClassFixture<LimitsSettingsFactory>
{
    [Fact]
    public async Task Idempotent_FirstStillRunningPastWait_409ThenReplayOnceDone()
    {
        var name = "n-" + Guid.NewGuid().ToString("N");
        var key = "key_" + Guid.NewGuid().ToString("N");
        var body = IdempotencyTests.Body(name, waitForRelease: true);
        using var client = factory.CreateClient();
        // Under MindSwarm, which keeps the platform's codes (Mindra answers 503 SERVICE_UNAVAILABLE, its document's).
        var first = client.SendAsync(IdempotencyTests.Post(body, key, path: IdempotencyTests.SwarmThings));
        await factory.State.Started(name).Task.WaitAsync(TimeSpan.FromSeconds(60));

        using (var conflict = await client.SendAsync(IdempotencyTests.Post(body, key, path: IdempotencyTests.SwarmThings)))
        {
            Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
            Assert.Equal("1", conflict.Headers.GetValues("Retry-After").Single());
            using var json = JsonDocument.Parse(await conflict.Content.ReadAsStringAsync());
            Assert.Equal(IdempotencyEndpoints.KeyInProgressCode, json.RootElement.GetProperty("code").GetString());
        }

        factory.State.Gate(name).SetResult();
        using var done = await first;
        Assert.Equal(HttpStatusCode.Created, done.StatusCode);
        using var replay = await client.SendAsync(IdempotencyTests.Post(body, key, path: IdempotencyTests.SwarmThings));
        Assert.Equal(HttpStatusCode.Created, replay.StatusCode);
        Assert.Equal(await done.Content.ReadAsStringAsync(), await replay.Content.ReadAsStringAsync());
        Assert.Equal(1, factory.State.RunsOf(name));
    }

    [Fact]
    public async Task RateLimit_Disabled_NoLimitAndNoHeaders()
    {
        for (var i = 0; i < 5; i++)
        {
            using var response = await factory.SendRawAsync(HttpMethod.Get, "/mindra/__limits/limited", headers: h => h.Add("X-Test-Key", "same"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.False(response.Headers.Contains("X-RateLimit-Limit"));
        }
    }
}
