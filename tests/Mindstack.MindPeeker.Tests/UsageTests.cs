using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Mindstack.MindPeeker.Usage;

namespace Mindstack.MindPeeker.Tests;

/// <summary>A MindPeeker node on a database shared with other nodes.</summary>
public sealed class MindPeekerNode(TestDatabase sharedDatabase) : MindPeekerFactory(sharedDatabase);

/// <summary>A server whose clock the test can move forward.</summary>
public sealed class ShiftedClockMindPeekerFactory : MindPeekerFactory
{
    public ShiftedClockMindPeekerFactory() => WithServices(s => s.Replace(ServiceDescriptor.Singleton<TimeProvider>(Clock)));

    public ShiftingClock Clock { get; } = new();
}

/// <summary><c>usage.*.api_calls</c> on <c>GET /billing</c>: authenticated requests per account and calendar month.</summary>
public sealed class UsageTests(MindPeekerFactory factory) : IClassFixture<MindPeekerFactory>
{
    private static Task FlushAsync(MindPeekerFactory server) => server.Services.GetRequiredService<ApiCallCounter>().FlushAsync();

    private static long ApiCalls(JsonElement billing, string month) =>
        billing.GetProperty("usage").GetProperty(month).GetProperty("api_calls").GetInt64();

    [Fact]
    public async Task Billing_AuthenticatedRequests_CountedBeforeAndAfterFlush()
    {
        var user = await factory.RegisterUserAsync();
        var other = await factory.RegisterUserAsync();
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await factory.SendAsync(HttpMethod.Get, "/users/me", user.Token)).StatusCode);
        }
        await factory.SendAsync(HttpMethod.Get, "/users/me", other.Token);
        await factory.SendAsync(HttpMethod.Get, "/users/me", null);
        await factory.SendAsync(HttpMethod.Post, "/auth/login", null, new { email = user.Email, password = "securePassword123" });

        // Five calls plus this one; the other user's, the unauthenticated and the login are not this account's calls.
        Assert.Equal(6, ApiCalls(await factory.BillingAsync(user), "current_month"));
        await FlushAsync(factory);
        var billing = await factory.BillingAsync(user);
        Assert.Equal(7, ApiCalls(billing, "current_month"));
        Assert.Equal(0, ApiCalls(billing, "last_month"));
        await FlushAsync(factory);
        Assert.Equal(2, ApiCalls(await factory.BillingAsync(other), "current_month"));
    }

    [Fact]
    public async Task Billing_CallsOnTwoNodes_EachNodeAddsItsCounts()
    {
        using var database = MindstackFactory.CreateDatabase();
        await using var first = new MindPeekerNode(database);
        await using var second = new MindPeekerNode(database);
        var user = await first.RegisterUserAsync();
        var key = await first.CreateApiKeyAsync(user);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await first.SendAsync(HttpMethod.Get, "/users/me", null, headers: h => h.Add("X-API-Key", key))).StatusCode);
        }
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await second.SendAsync(HttpMethod.Get, "/sessions", null, headers: h => h.Add("X-API-Key", key))).StatusCode);
        }
        await FlushAsync(first);
        await FlushAsync(second);
        // Flushed twice on one key: the upsert adds, it does not overwrite.
        await first.SendAsync(HttpMethod.Get, "/users/me", null, headers: h => h.Add("X-API-Key", key));
        await FlushAsync(first);

        var billing = (await first.ReadJsonAsync(await second.SendAsync(HttpMethod.Get, "/billing", null, headers: h => h.Add("X-API-Key", key))))
            .GetProperty("data");
        Assert.Equal(3 + 4 + 1 + 1, ApiCalls(billing, "current_month"));
    }

    [Fact]
    public async Task Billing_NodeStopped_ItsCountsFlushedOnShutdown()
    {
        using var database = MindstackFactory.CreateDatabase();
        await using var survivor = new MindPeekerNode(database);
        var user = await survivor.RegisterUserAsync();
        var key = await survivor.CreateApiKeyAsync(user);
        var stopping = new MindPeekerNode(database);
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await stopping.SendAsync(HttpMethod.Get, "/users/me", null, headers: h => h.Add("X-API-Key", key))).StatusCode);
        }
        await stopping.DisposeAsync();

        var billing = (await survivor.ReadJsonAsync(await survivor.SendAsync(HttpMethod.Get, "/billing", null, headers: h => h.Add("X-API-Key", key))))
            .GetProperty("data");
        Assert.Equal(6 + 1, ApiCalls(billing, "current_month"));
    }

    [Fact]
    public async Task Billing_NextMonth_LastMonthHoldsTheCalls()
    {
        await using var server = new ShiftedClockMindPeekerFactory();
        var user = await server.RegisterUserAsync();
        var key = await server.CreateApiKeyAsync(user);
        for (var i = 0; i < 4; i++)
        {
            await server.SendAsync(HttpMethod.Get, "/users/me", null, headers: h => h.Add("X-API-Key", key));
        }
        await FlushAsync(server);

        var now = DateTime.UtcNow;
        server.Clock.Offset = new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(1).AddDays(2) - now;
        var billing = (await server.ReadJsonAsync(await server.SendAsync(HttpMethod.Get, "/billing", null, headers: h => h.Add("X-API-Key", key))))
            .GetProperty("data");
        Assert.Equal(4, ApiCalls(billing, "last_month"));
        Assert.Equal(1, ApiCalls(billing, "current_month"));
    }
}
