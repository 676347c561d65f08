using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Mindstack.PluginMind.Tests;

/// <summary>PluginMind with a free tier of 2 queries a month, rate limits on, and a clock the test moves.</summary>
public sealed class UsageFactory : PluginMindFactory
{
    public UsageFactory()
    {
        WithSetting("Mindstack:PluginMind:TierQueryLimits:free", "2");
        WithSetting("Mindstack:Limits:RateLimitsEnabled", "true");
        WithServices(s => s.AddSingleton<TimeProvider>(Clock));
    }

    public ShiftingClock Clock { get; } = new();

    protected override DateTime? TokenExpiry => Clock.GetUtcNow().UtcDateTime.AddHours(1);
}

public sealed class UsageTests(UsageFactory factory) : IClassFixture<UsageFactory>
{
    private const string Base = PluginMindFactory.Base;

    [Fact]
    public async Task Process_OverMonthlyLimit_429QueryLimitExceededWithRetryAfter()
    {
        var (client, _) = await factory.SignInAsync();
        for (var i = 0; i < 2; i++)
        {
            using var ok = await ProcessAsync(client);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }
        using var refused = await ProcessAsync(client);
        var error = await factory.ErrorAsync(refused, HttpStatusCode.TooManyRequests, "QUERY_LIMIT_EXCEEDED");
        Assert.Contains("limit of 2", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.True(int.Parse(refused.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) > 0);

        var usage = await factory.ReadJsonAsync(await client.GetAsync($"{Base}/me/usage"));
        Assert.Equal(2, usage.GetProperty("queries_used").GetInt32());
        Assert.Equal(2, usage.GetProperty("queries_limit").GetInt32());
        Assert.Equal(0, usage.GetProperty("remaining_queries").GetInt32());
        Assert.False(usage.GetProperty("can_make_query").GetBoolean());

        // The refused call is logged too; async jobs are refused the same way.
        var logs = (await factory.ReadJsonAsync(await client.GetAsync($"{Base}/query-logs"))).GetProperty("logs");
        Assert.Equal(3, logs.GetArrayLength());
        Assert.Single(logs.EnumerateArray(), l => !l.GetProperty("success").GetBoolean());
        using var asyncRefused = await client.PostAsJsonAsync($"{Base}/analyze-async", new { user_input = "one more", analysis_type = "chat" });
        await factory.ErrorAsync(asyncRefused, HttpStatusCode.TooManyRequests, "QUERY_LIMIT_EXCEEDED");
    }

    [Fact]
    public async Task Usage_NextMonth_CountStartsAgain()
    {
        var (client, user) = await factory.SignInAsync();
        for (var i = 0; i < 2; i++)
        {
            using var ok = await ProcessAsync(client);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }
        using (var refused = await ProcessAsync(client))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        }

        var now = factory.Clock.GetUtcNow();
        var nextMonth = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1);
        factory.Clock.Advance(nextMonth - now + TimeSpan.FromHours(1));

        // A month on, yesterday's session has expired: sign in again, as the user would.
        var (again, sameUser) = await factory.SignInAsync(user.GetProperty("email").GetString(), null);
        Assert.Equal(user.GetProperty("id").GetString(), sameUser.GetProperty("id").GetString());
        var usage = await factory.ReadJsonAsync(await again.GetAsync($"{Base}/me/usage"));
        Assert.Equal(0, usage.GetProperty("queries_used").GetInt32());
        Assert.True(usage.GetProperty("can_make_query").GetBoolean());
        using var allowed = await ProcessAsync(again);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    [Fact]
    public async Task Process_PerUserRateLimit_429RateLimitExceededWithRetryAfter()
    {
        var (client, _) = await factory.SignInAsync();
        // 60 requests a minute per user; the calls past the monthly limit still count against it.
        // The window is aligned to the clock, so a loop that crosses a minute boundary gets a fresh
        // one: send until refused (never before the 61st request), within two windows' worth.
        HttpResponseMessage? refused = null;
        var sent = 0;
        while (sent < 125 && refused is null)
        {
            var response = await ProcessAsync(client);
            sent++;
            if (await CodeAsync(response) == "RATE_LIMIT_EXCEEDED")
            {
                refused = response;
            }
            else
            {
                response.Dispose();
            }
        }
        Assert.True(refused is not null && sent >= 61, $"refused after {sent} requests");
        using (refused)
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.True(refused.Headers.Contains("Retry-After"));
            Assert.Equal("0", refused.Headers.GetValues("X-RateLimit-Remaining").Single());
        }
    }

    private static Task<HttpResponseMessage> ProcessAsync(HttpClient client) =>
        client.PostAsJsonAsync($"{Base}/process", new { user_input = "Hello, what can you do?", analysis_type = "chat" });

    private async Task<string?> CodeAsync(HttpResponseMessage response) =>
        response.StatusCode == HttpStatusCode.OK ? null : (await factory.ReadJsonAsync(response)).GetProperty("error").GetProperty("code").GetString();
}
