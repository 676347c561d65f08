using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.MindMesh;
using Mindstack.MindPeeker;
using Mindstack.Mindra;
using Mindstack.MindSwarm;
using Mindstack.Platform.Http;
using Mindstack.Platform.Limits;
using Mindstack.Platform.Storage;
using Mindstack.PluginMind;

namespace Mindstack.Platform.Tests.Limits;

/// <summary>Rate limits over HTTP: counting, several windows, keys, each API's headers and refusal shape.</summary>
public sealed class RateLimitTests(LimitsFactory factory) : IClassFixture<LimitsFactory>
{
    public static TheoryData<string> Apis => new() { "/mindpeeker/v1", "/mindra", "/pluginmind", "/mindswarm/api", "/mindmesh" };

    private Task<HttpResponseMessage> GetAsync(string path, string? key = null, string? address = null) =>
        factory.SendRawAsync(HttpMethod.Get, path, headers: h =>
        {
            if (key is not null)
            {
                h.Add("X-Test-Key", key);
            }
            if (address is not null)
            {
                h.Add("X-Test-Client-Address", address);
            }
        });

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.Single() : throw new Xunit.Sdk.XunitException($"no {name} header");

    private static string NewKey() => "k-" + Guid.NewGuid().ToString("N");

    private DateTimeOffset NextBoundary(TimeSpan window)
    {
        var now = factory.Clock.GetUtcNow();
        var elapsed = (now - DateTimeOffset.UnixEpoch).Ticks % window.Ticks;
        return now.AddTicks(window.Ticks - elapsed);
    }

    [Fact]
    public async Task RateLimit_MindraUnderAndOverLimit_XRateLimitHeadersAndRefusal()
    {
        var key = NewKey();
        var reset = NextBoundary(TimeSpan.FromMinutes(1));
        for (var remaining = 2; remaining >= 0; remaining--)
        {
            using var ok = await GetAsync("/mindra/__limits/limited", key);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal("3", Header(ok, "X-RateLimit-Limit"));
            Assert.Equal(remaining.ToString(CultureInfo.InvariantCulture), Header(ok, "X-RateLimit-Remaining"));
            Assert.Equal(reset.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), Header(ok, "X-RateLimit-Reset"));
        }

        using var refused = await GetAsync("/mindra/__limits/limited", key);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("0", Header(refused, "X-RateLimit-Remaining"));
        Assert.Equal("3", Header(refused, "X-RateLimit-Limit"));
        var retryAfter = (long)Math.Ceiling((reset - factory.Clock.GetUtcNow()).TotalSeconds);
        Assert.Equal(retryAfter.ToString(CultureInfo.InvariantCulture), Header(refused, "Retry-After"));
        var body = await factory.ReadJsonAsync(refused);
        Assert.Equal("RATE_LIMIT_EXCEEDED", body.GetProperty("error").GetString());
        Assert.Contains("3 per 1 minute", body.GetProperty("message").GetString(), StringComparison.Ordinal);
        // Mindra's details are text: the platform's structured details as "name: value" pairs.
        Assert.Contains($"retryAfter: {retryAfter}", body.GetProperty("details").GetString(), StringComparison.Ordinal);

        // Another key has its own counters.
        using var other = await GetAsync("/mindra/__limits/limited", NewKey());
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Fact]
    public async Task RateLimit_MindSwarm_IetfHeadersWithSecondsUntilReset()
    {
        var key = NewKey();
        var resetIn = (long)Math.Ceiling((NextBoundary(TimeSpan.FromMinutes(1)) - factory.Clock.GetUtcNow()).TotalSeconds);
        for (var remaining = 2; remaining >= 0; remaining--)
        {
            using var ok = await GetAsync("/mindswarm/api/__limits/limited", key);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal(remaining.ToString(CultureInfo.InvariantCulture), Header(ok, "RateLimit-Remaining"));
            Assert.Equal(resetIn.ToString(CultureInfo.InvariantCulture), Header(ok, "RateLimit-Reset"));
            Assert.False(ok.Headers.Contains("X-RateLimit-Remaining"));
        }
        using var refused = await GetAsync("/mindswarm/api/__limits/limited", key);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("0", Header(refused, "RateLimit-Remaining"));
        Assert.Equal(resetIn.ToString(CultureInfo.InvariantCulture), Header(refused, "Retry-After"));
        var body = await factory.ReadJsonAsync(refused);
        Assert.False(body.GetProperty("success").GetBoolean());
        Assert.Equal("RATE_LIMIT_EXCEEDED", body.GetProperty("code").GetString());
    }

    [Theory]
    [MemberData(nameof(Apis))]
    public async Task RateLimit_EveryApi_RefusalInItsOwnShapeWithRetryAfter(string basePath)
    {
        var key = NewKey();
        for (var i = 0; i < 3; i++)
        {
            using var ok = await GetAsync(basePath + "/__limits/limited", key);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }
        using var refused = await GetAsync(basePath + "/__limits/limited", key);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("application/json", refused.Content.Headers.ContentType?.MediaType);
        Assert.True(long.Parse(Header(refused, "Retry-After"), CultureInfo.InvariantCulture) >= 1);
        var ietf = basePath == "/mindswarm/api";
        Assert.Equal(ietf, refused.Headers.Contains("RateLimit-Remaining"));
        Assert.Equal(!ietf, refused.Headers.Contains("X-RateLimit-Remaining"));
        var body = await factory.ReadJsonAsync(refused);
        switch (basePath)
        {
            case "/mindpeeker/v1":
                Assert.Equal("RATE_LIMIT_EXCEEDED", body.GetProperty("error").GetProperty("code").GetString());
                break;
            case "/mindra":
                Assert.Equal("RATE_LIMIT_EXCEEDED", body.GetProperty("error").GetString());
                break;
            case "/pluginmind":
                Assert.Equal("RATE_LIMIT_EXCEEDED", body.GetProperty("error").GetProperty("code").GetString());
                break;
            case "/mindswarm/api":
                Assert.Equal("RATE_LIMIT_EXCEEDED", body.GetProperty("code").GetString());
                break;
            case "/mindmesh":
                Assert.Contains("Rate limit exceeded", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(basePath));
        }
    }

    [Fact]
    public async Task RateLimit_SeveralWindows_AllMustPassAndRefusalsAreNotCounted()
    {
        var key = NewKey();
        for (var i = 0; i < 3; i++)
        {
            using var ok = await GetAsync("/mindra/__limits/windows", key);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }
        using (var minuteFull = await GetAsync("/mindra/__limits/windows", key))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, minuteFull.StatusCode);
            Assert.Equal("3", Header(minuteFull, "X-RateLimit-Limit"));
        }

        factory.Clock.Advance(TimeSpan.FromMinutes(1));
        var midnight = NextBoundary(TimeSpan.FromDays(1));
        // The refused request was not counted: the day window has 2 left of 5, not 1.
        using (var fourth = await GetAsync("/mindra/__limits/windows", key))
        {
            Assert.Equal(HttpStatusCode.OK, fourth.StatusCode);
            Assert.Equal("5", Header(fourth, "X-RateLimit-Limit"));
            Assert.Equal("1", Header(fourth, "X-RateLimit-Remaining"));
            Assert.Equal(midnight.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), Header(fourth, "X-RateLimit-Reset"));
        }
        using (var fifth = await GetAsync("/mindra/__limits/windows", key))
        {
            Assert.Equal(HttpStatusCode.OK, fifth.StatusCode);
            Assert.Equal("0", Header(fifth, "X-RateLimit-Remaining"));
        }
        using var dayFull = await GetAsync("/mindra/__limits/windows", key);
        Assert.Equal(HttpStatusCode.TooManyRequests, dayFull.StatusCode);
        Assert.Equal("5", Header(dayFull, "X-RateLimit-Limit"));
        var untilMidnight = (long)Math.Ceiling((midnight - factory.Clock.GetUtcNow()).TotalSeconds);
        Assert.Equal(untilMidnight.ToString(CultureInfo.InvariantCulture), Header(dayFull, "Retry-After"));
    }

    [Fact]
    public async Task RateLimit_ConcurrentBurst_AdmitsExactlyTheLimit()
    {
        var key = NewKey();
        var statuses = await Task.WhenAll(Enumerable.Range(0, 15).Select(async _ =>
        {
            using var response = await GetAsync("/mindra/__limits/limited", key);
            return response.StatusCode;
        }));
        Assert.Equal(3, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(12, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
    }

    [Fact]
    public async Task RateLimit_DefaultKey_CountsPerClientAddress()
    {
        var first = $"203.0.113.{Random.Shared.Next(1, 254)}";
        var second = $"198.51.100.{Random.Shared.Next(1, 254)}";
        for (var i = 0; i < 3; i++)
        {
            using var ok = await GetAsync("/mindmesh/__limits/by-address", address: first);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }
        using var refused = await GetAsync("/mindmesh/__limits/by-address", address: first);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        using var otherClient = await GetAsync("/mindmesh/__limits/by-address", address: second);
        Assert.Equal(HttpStatusCode.OK, otherClient.StatusCode);
        Assert.Equal("2", Header(otherClient, "X-RateLimit-Remaining"));
    }

    [Fact]
    public async Task RateLimit_ErrorAnswer_StillCarriesHeaders()
    {
        using var missing = await GetAsync("/mindpeeker/v1/__limits/missing", NewKey());
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("3", Header(missing, "X-RateLimit-Limit"));
        Assert.Equal("2", Header(missing, "X-RateLimit-Remaining"));
        Assert.Equal("NOT_FOUND", (await factory.ReadJsonAsync(missing)).GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task RateLimit_StackedFilters_EachMustPassAndHeadersDescribeTightest()
    {
        var key = NewKey();
        using (var first = await GetAsync("/pluginmind/__limits/stacked/tight", key))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.Equal("2", Header(first, "X-RateLimit-Limit"));
            Assert.Equal("1", Header(first, "X-RateLimit-Remaining"));
        }
        using (var second = await GetAsync("/pluginmind/__limits/stacked/tight", key))
        {
            Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        }
        using var refused = await GetAsync("/pluginmind/__limits/stacked/tight", key);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("2", Header(refused, "X-RateLimit-Limit"));
        Assert.Equal("0", Header(refused, "X-RateLimit-Remaining"));
    }

    [Fact]
    public async Task RateLimiter_PeekThenAcquireOnFailure_RefusesAfterLimitUntilWindowPasses()
    {
        // The failed-login pattern: peek before checking the password, count only failures.
        var limiter = factory.Services.GetRequiredService<IRateLimiter>();
        var policy = new RateLimitPolicy("sample.failed-login", [RateLimitWindow.PerMinutes(15, 10)],
            "Too many failed login attempts, please try again later.");
        var key = "acct_" + Guid.NewGuid().ToString("N");
        var peek = await limiter.PeekAsync(policy, key);
        Assert.True(peek.Allowed);
        Assert.Equal(10, peek.Remaining);
        for (var i = 1; i <= 10; i++)
        {
            var failure = await limiter.AcquireAsync(policy, key);
            Assert.True(failure.Allowed);
            Assert.Equal(10 - i, failure.Remaining);
        }
        Assert.False((await limiter.PeekAsync(policy, key)).Allowed);
        var refused = await limiter.AcquireAsync(policy, key);
        Assert.False(refused.Allowed);
        var problem = refused.ToProblem();
        Assert.Equal(ProblemKind.RateLimited, problem.Kind);
        Assert.Equal("Too many failed login attempts, please try again later.", problem.Message);
        Assert.True(int.Parse(problem.Headers["Retry-After"], CultureInfo.InvariantCulture) is >= 1 and <= 900);

        factory.Clock.Advance(TimeSpan.FromMinutes(15));
        Assert.True((await limiter.PeekAsync(policy, key)).Allowed);
    }

    [Fact]
    public async Task Purge_EndedWindows_CountersRemoved()
    {
        using (var ok = await GetAsync("/mindra/__limits/windows", NewKey()))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }
        var janitor = factory.Services.GetRequiredService<LimitsJanitor>();
        factory.Clock.Advance(TimeSpan.FromDays(1));
        var (counters, _) = await janitor.PurgeAsync(CancellationToken.None);
        Assert.True(counters >= 1, $"purged {counters}");
        Assert.Equal(0, (await janitor.PurgeAsync(CancellationToken.None)).Counters);
        if (TestDatabase.UsePostgres)
        {
            await using var scope = factory.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<MindstackDbContext>();
            var now = factory.Clock.GetUtcNow().UtcDateTime;
            Assert.Equal(0, db.Set<RateCounter>().Count(c => c.WindowEnd <= now));
        }
        else
        {
            Assert.Equal(0, factory.Services.GetRequiredService<MemoryRateCounterStore>().GateCount);
        }
    }

    [Fact]
    public void Definitions_EachApi_DocumentedLimits()
    {
        static string Describe(RateLimitPolicy p) => string.Join(" + ", p.Windows);
        static string Limit(ApiDefinition api, string kind) => Describe(api.AllRateLimits.Single(p => p.Name == api.Name + "." + kind));
        var peeker = MindPeekerApi.Definition.Tiers!;
        Assert.Equal("100 per 1 minute + 1000 per 1 day", Describe(peeker.Of("basic").Limits));
        Assert.Equal("1000 per 1 minute + 10000 per 1 day", Describe(peeker.Of("Professional").Limits));
        Assert.Equal("10000 per 1 minute + 100000 per 1 day", Describe(peeker.Of("enterprise").Limits));
        Assert.Equal("basic", peeker.Of("free").Name);
        var mindra = MindraApi.Definition.Tiers!;
        Assert.Equal("100 per 1 minute + 10000 per 1 day", Describe(mindra.Of("developer").Limits));
        Assert.Equal("500 per 1 minute + 100000 per 1 day", Describe(mindra.Of("business").Limits));
        Assert.Equal("2000 per 1 minute + 1000000 per 1 day", Describe(mindra.Of("Enterprise").Limits));
        Assert.Equal("developer", mindra.Of(null).Name);
        var swarm = MindSwarmApi.Definition;
        Assert.Equal("5000 per 15 minutes", Limit(swarm, "general"));
        Assert.Equal("100 per 15 minutes", Limit(swarm, "auth"));
        Assert.Equal("10 per 15 minutes", Limit(swarm, "failed-login"));
        Assert.Equal("5 per 5 minutes", Limit(swarm, "2fa"));
        Assert.Equal("10 per 1 minute", Limit(swarm, "challenge"));
        Assert.Equal("20 per 1 minute", Limit(swarm, "availability"));
        Assert.Equal("60 per 1 minute + 10000 per 1 day", Limit(swarm, "app-key"));
        var mesh = MindMeshApi.Definition;
        Assert.Equal("5 per 1 minute", Limit(mesh, "auth"));
        Assert.Equal("100 per 1 minute", Limit(mesh, "read"));
        Assert.Equal("20 per 1 minute", Limit(mesh, "write"));
        Assert.Equal("10 per 1 minute", Limit(mesh, "ai"));
        Assert.Equal("300 per 1 minute", Limit(PluginMindApi.Definition, "address"));
        Assert.Equal("60 per 1 minute", Limit(PluginMindApi.Definition, "user"));
        // Tiers share counters, so a changed tier keeps what was counted.
        Assert.Single(peeker.All.Select(t => t.Limits.Name).Distinct());
        Assert.Throws<ArgumentOutOfRangeException>(() => new RateLimitWindow(10, TimeSpan.FromMilliseconds(1500)));
    }
}
