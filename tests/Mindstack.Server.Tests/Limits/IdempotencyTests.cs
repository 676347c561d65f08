using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Limits;
using Mindstack.Platform.Storage;

namespace Mindstack.Platform.Tests.Limits;

/// <summary>Idempotency keys over HTTP: one run per key under concurrent retries, replays, reuse, failures, expiry.</summary>
public sealed class IdempotencyTests(LimitsFactory factory) : IClassFixture<LimitsFactory>
{
    internal const string Things = "/mindra/__limits/things";

    internal static string Body(string name, int delayMs = 0, bool waitForRelease = false, int failTimes = 0, int? status = null) =>
        JsonSerializer.Serialize(new { name, delayMs, waitForRelease, failTimes, status });

    /// <summary>The same routes under MindSwarm (camelCase too), whose dialect keeps the platform's idempotency codes (Mindra's document has none).</summary>
    internal const string SwarmThings = "/mindswarm/api/__limits/things";

    internal static HttpRequestMessage Post(string body, string? key, string? scope = null, string? address = null, string path = Things)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        if (key is not null)
        {
            request.Headers.Add(IdempotencyEndpoints.Header, key);
        }
        if (scope is not null)
        {
            request.Headers.Add("X-Test-Scope", scope);
        }
        if (address is not null)
        {
            request.Headers.Add("X-Test-Client-Address", address);
        }
        return request;
    }

    private async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> SendAsync(HttpRequestMessage request)
    {
        using var client = factory.CreateClient();
        using (request)
        {
            var response = await client.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadAsStringAsync(), response);
        }
    }

    private static string NewName() => "n-" + Guid.NewGuid().ToString("N");

    private static string NewKey() => "key_" + Guid.NewGuid().ToString("N");

    private static bool Replayed(HttpResponseMessage response) =>
        response.Headers.TryGetValues(IdempotencyEndpoints.ReplayedHeader, out var values) && values.Single() == "true";

    [Fact]
    public async Task Idempotent_TwentyConcurrentRetries_RunExactlyOnceAndAllGetOneAnswer()
    {
        var name = NewName();
        var key = NewKey();
        var body = Body(name, delayMs: 300);
        using var client = factory.CreateClient();
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ =>
        {
            using var request = Post(body, key);
            using var response = await client.SendAsync(request);
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync(), Replayed: Replayed(response));
        }));

        Assert.Equal(1, factory.State.RunsOf(name));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Created, a.StatusCode));
        Assert.Single(answers.Select(a => a.Body).Distinct());
        Assert.Equal(19, answers.Count(a => a.Replayed));
    }

    [Fact]
    public async Task Idempotent_Retry_ReplaysStatusHeadersAndBodyWithoutRunning()
    {
        var name = NewName();
        var key = NewKey();
        var first = await SendAsync(Post(Body(name), key));
        Assert.Equal(HttpStatusCode.Created, first.Status);
        Assert.False(Replayed(first.Response));

        var retry = await SendAsync(Post(Body(name), key));
        Assert.Equal(HttpStatusCode.Created, retry.Status);
        Assert.Equal(first.Body, retry.Body);
        Assert.True(Replayed(retry.Response));
        Assert.Equal(first.Response.Headers.Location, retry.Response.Headers.Location);
        Assert.Equal("1", retry.Response.Headers.GetValues("X-Thing-Run").Single());
        Assert.Equal("application/json", retry.Response.Content.Headers.ContentType?.MediaType);
        Assert.NotEqual(first.Response.Headers.GetValues("X-Request-ID").Single(), retry.Response.Headers.GetValues("X-Request-ID").Single());
        Assert.Equal(1, factory.State.RunsOf(name));
    }

    [Fact]
    public async Task Idempotent_SameKeyDifferentBody_422KeyReused()
    {
        var key = NewKey();
        var first = await SendAsync(Post(Body(NewName()), key));
        Assert.Equal(HttpStatusCode.Created, first.Status);

        var otherName = NewName();
        // Mindra answers it in its document's code.
        var reused = await SendAsync(Post(Body(otherName), key));
        Assert.Equal(HttpStatusCode.BadRequest, reused.Status);
        using (var json = JsonDocument.Parse(reused.Body))
        {
            Assert.Equal("INVALID_REQUEST", json.RootElement.GetProperty("error").GetString());
            Assert.Contains(IdempotencyEndpoints.Header, json.RootElement.GetProperty("details").GetString(), StringComparison.Ordinal);
        }
        Assert.Equal(0, factory.State.RunsOf(otherName));

        // The platform's own code, where the API keeps it.
        var swarmKey = NewKey();
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(Post(Body(NewName()), swarmKey, path: SwarmThings))).Status);
        var swarmReused = await SendAsync(Post(Body(otherName), swarmKey, path: SwarmThings));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, swarmReused.Status);
        using (var json = JsonDocument.Parse(swarmReused.Body))
        {
            Assert.Equal(IdempotencyEndpoints.KeyReusedCode, json.RootElement.GetProperty("code").GetString());
        }
        Assert.Equal(0, factory.State.RunsOf(otherName));
    }

    [Fact]
    public async Task Idempotent_AfterRetention_KeyIsFreeAgainAndPurged()
    {
        var name = NewName();
        var key = NewKey();
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(Post(Body(name), key))).Status);
        factory.Clock.Advance(TimeSpan.FromHours(23));
        var replay = await SendAsync(Post(Body(name), key));
        Assert.True(Replayed(replay.Response));
        Assert.Equal(1, factory.State.RunsOf(name));

        factory.Clock.Advance(TimeSpan.FromHours(1));
        var again = await SendAsync(Post(Body(name), key));
        Assert.Equal(HttpStatusCode.Created, again.Status);
        Assert.False(Replayed(again.Response));
        Assert.Equal(2, factory.State.RunsOf(name));

        // The purge deletes keys past retention (the second run's record is not yet).
        var purgedKey = NewKey();
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(Post(Body(NewName()), purgedKey))).Status);
        factory.Clock.Advance(TimeSpan.FromHours(24));
        var (_, keys) = await factory.Services.GetRequiredService<LimitsJanitor>().PurgeAsync(CancellationToken.None);
        Assert.True(keys >= 2, $"purged {keys}");
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
        Assert.False(await db.Set<IdempotencyRecord>().AnyAsync(r => r.IdempotencyKey == purgedKey || r.IdempotencyKey == key));
    }

    [Fact]
    public async Task Idempotent_FailedRun_ReleasesKeySoRetryRuns()
    {
        var name = NewName();
        var key = NewKey();
        var failed = await SendAsync(Post(Body(name, failTimes: 1), key));
        Assert.Equal(HttpStatusCode.InternalServerError, failed.Status);

        var retry = await SendAsync(Post(Body(name, failTimes: 1), key));
        Assert.Equal(HttpStatusCode.Created, retry.Status);
        Assert.False(Replayed(retry.Response));
        Assert.Equal(2, factory.State.RunsOf(name));

        var replay = await SendAsync(Post(Body(name, failTimes: 1), key));
        Assert.True(Replayed(replay.Response));
        Assert.Equal(retry.Body, replay.Body);
        Assert.Equal(2, factory.State.RunsOf(name));
    }

    [Fact]
    public async Task Idempotent_ServerErrorAnswer_NotStoredSoRetryRuns()
    {
        var name = NewName();
        var key = NewKey();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await SendAsync(Post(Body(name, status: 503), key))).Status);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await SendAsync(Post(Body(name, status: 503), key))).Status);
        Assert.Equal(2, factory.State.RunsOf(name));

        // A 4xx answer is an answer: it is stored and replayed.
        var clientError = NewName();
        var clientKey = NewKey();
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(Post(Body(clientError, status: 409), clientKey))).Status);
        var replay = await SendAsync(Post(Body(clientError, status: 409), clientKey));
        Assert.Equal(HttpStatusCode.Conflict, replay.Status);
        Assert.True(Replayed(replay.Response));
        Assert.Equal(1, factory.State.RunsOf(clientError));
    }

    [Fact]
    public async Task Idempotent_SameKeyOtherCaller_RunsSeparately()
    {
        var name = NewName();
        var key = NewKey();
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(Post(Body(name), key, scope: "acct_a"))).Status);
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(Post(Body(name), key, scope: "acct_b"))).Status);
        Assert.Equal(2, factory.State.RunsOf(name));

        // Without a caller, the client address scopes the key.
        var byAddress = NewName();
        Assert.False(Replayed((await SendAsync(Post(Body(byAddress), key, address: "192.0.2.10"))).Response));
        Assert.False(Replayed((await SendAsync(Post(Body(byAddress), key, address: "192.0.2.11"))).Response));
        Assert.True(Replayed((await SendAsync(Post(Body(byAddress), key, address: "192.0.2.10"))).Response));
        Assert.Equal(2, factory.State.RunsOf(byAddress));
    }

    [Fact]
    public async Task Idempotent_WithoutKey_RunsEveryTime()
    {
        var name = NewName();
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(Post(Body(name), key: null))).Status);
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(Post(Body(name), key: null))).Status);
        Assert.Equal(2, factory.State.RunsOf(name));
    }

    [Fact]
    public async Task Idempotent_KeyTooLong_RejectedWithoutRunning()
    {
        var name = NewName();
        var rejected = await SendAsync(Post(Body(name), new string('k', 256)));
        Assert.True((int)rejected.Status is 400 or 422, rejected.Body);
        Assert.Equal(0, factory.State.RunsOf(name));
    }

    [Fact]
    public async Task Idempotent_FirstRunLeaseExpired_RetryTakesOver()
    {
        // A first run whose node died is presumed lost once its lease ends; a retry then runs.
        var name = NewName();
        var key = NewKey();
        var stuck = SendAsync(Post(Body(name, waitForRelease: true), key));
        await factory.State.Started(name).Task.WaitAsync(TimeSpan.FromSeconds(60));

        factory.Clock.Advance(TimeSpan.FromMinutes(6));
        var retry = SendAsync(Post(Body(name, waitForRelease: true), key));
        await Eventually.UntilAsync(() => factory.State.RunsOf(name) == 2, "the second run", TimeSpan.FromSeconds(60));

        factory.State.Gate(name).SetResult();
        var takeover = await retry;
        Assert.Equal(HttpStatusCode.Created, takeover.Status);
        Assert.Equal(HttpStatusCode.Created, (await stuck).Status);
        Assert.Equal(2, factory.State.RunsOf(name));
        var replay = await SendAsync(Post(Body(name, waitForRelease: true), key));
        Assert.True(Replayed(replay.Response));
        Assert.Equal(takeover.Body, replay.Body);
    }
}
