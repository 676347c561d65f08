using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;
using Mindstack.Platform.Http;
using Mindstack.Platform.Limits;

namespace Mindstack.Platform.Tests.Apis;

/// <summary>
/// An API's facts come from its registered definition: the registry resolves them by name, key
/// management and authentication use its key format, requests under its mount read its credentials,
/// and its tiers choose its rate limits.
/// </summary>
public sealed class ApiDefinitionTests(SampleApiFactory factory) : IClassFixture<SampleApiFactory>
{
    private static ApiRegistry RegistryOf(params ApiDefinition[] definitions)
    {
        var services = new ServiceCollection().AddSingleton<IConfiguration>(new ConfigurationBuilder().Build()).AddMindstackHttp();
        foreach (var definition in definitions)
        {
            services.AddApi(definition);
        }
        return services.BuildServiceProvider().GetRequiredService<ApiRegistry>();
    }

    [Fact]
    public void Registry_SampleApiRegistered_ResolvesItsFactsByName()
    {
        var registry = RegistryOf(SampleApi.Definition, SampleApi.Definition);

        Assert.Same(SampleApi.Definition, Assert.Single(registry.Definitions));
        Assert.Same(SampleApi.Definition, registry.Find("SAMPLE"));
        Assert.Null(registry.Find("other"));
        Assert.Same(SampleApi.KeyFormat, registry.KeyFormat("sample"));
        Assert.Null(registry.KeyFormat("other"));
        Assert.Equal(["notes:read", "notes:write"], SampleApi.Definition.Permissions);
        Assert.Equal(["notes:read", "notes:write"], SampleApi.KeyFormat.DefaultPermissions);
        Assert.Equal("gold", SampleApi.Definition.Tiers!.Of("GOLD").Name);
        Assert.Equal("bronze", SampleApi.Definition.Tiers!.Of("platinum").Name);
        Assert.Equal(["sample.tier", "sample.tier", "sample.writes"], SampleApi.Definition.AllRateLimits.Select(p => p.Name));
    }

    [Fact]
    public void AddApi_FactsOfAnotherApi_RefusedAtRegistration()
    {
        var services = new ServiceCollection();
        var foreignKeys = SampleApi.Definition with
        {
            Credentials = new ApiCredentials(SampleApi.Name, [new ApiKeyHeaderScheme("X-Key", new ApiKeyFormat("other", "oth_", 8))]),
        };
        var foreignAudience = SampleApi.Definition with { Credentials = new ApiCredentials("other", [new BearerTokenScheme()]) };
        var foreignPolicy = SampleApi.Definition with { RateLimits = [new RateLimitPolicy("other.writes", RateLimitWindow.PerMinute(1))] };
        var foreignAccounts = SampleApi.Definition with { Accounts = new AuthPolicy { Audience = "other", DisplayName = "Other" } };
        var notADialect = SampleApi.Definition with { Dialect = typeof(string) };

        foreach (var wrong in new[] { foreignKeys, foreignAudience, foreignPolicy, foreignAccounts, notADialect })
        {
            Assert.Throws<InvalidOperationException>(() => services.AddApi(wrong));
        }
        Assert.Throws<InvalidOperationException>(() => RegistryOf(SampleApi.Definition, SampleApi.Definition with { BasePath = "/elsewhere" }));
    }

    [Fact]
    public async Task Keys_SampleApiRegistered_IssuedInItsFormatReadOnItsRoutesAndManagedByItsName()
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var account = await services.GetRequiredService<IAccountService>()
            .CreateAsync(new NewAccount(AccountEmail(), "SecurePass123!"), SampleApi.Definition.Accounts!);
        var keys = services.GetRequiredService<IApiKeyService>();
        var format = services.GetRequiredService<ApiRegistry>().KeyFormat(SampleApi.Name)!;
        var created = await keys.CreateAsync(new NewApiKey(account.Id, format, "notes bot"));
        Assert.Matches("^smp_[0-9a-f]{24}$", created.PlainKey);
        Assert.Equal(SampleApi.Name, created.Key.Api);

        using var client = factory.CreateClient();
        var me = await WhoAmIAsync(client, created.PlainKey);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        var caller = await me.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(account.Id, caller.GetProperty("accountId").GetString());
        Assert.Equal("sample", caller.GetProperty("api").GetString());
        Assert.Equal(["notes:read", "notes:write"], caller.GetProperty("permissions").EnumerateArray().Select(p => p.GetString()));

        // Managing the key by id finds its format through the registry, by the key's API name.
        var refused = await Assert.ThrowsAsync<Problem>(() => keys.UpdateAsync(created.Key.Id, account.Id, new ApiKeyChanges { Permissions = ["orders:read"] }));
        Assert.Equal(ProblemKind.Validation, refused.Kind);
        Assert.Contains("allowed: notes:read, notes:write", refused.Message, StringComparison.Ordinal);
        var regenerated = await keys.RegenerateAsync(created.Key.Id, account.Id);
        Assert.StartsWith("smp_", regenerated.PlainKey, StringComparison.Ordinal);

        using var stale = await WhoAmIAsync(client, created.PlainKey);
        Assert.Equal(HttpStatusCode.Unauthorized, stale.StatusCode);
        Assert.Equal("UNAUTHORIZED", (await stale.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("failure").GetString());
        using var fresh = await WhoAmIAsync(client, regenerated.PlainKey);
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
    }

    [Fact]
    public async Task RateLimit_SampleApiTiers_CallersTierChoosesThePolicy()
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var accounts = scope.ServiceProvider.GetRequiredService<IAccountService>();
        var account = await accounts.CreateAsync(new NewAccount(AccountEmail(), "SecurePass123!"), SampleApi.Definition.Accounts!);
        Assert.Equal("bronze", account.Tier);
        var key = (await scope.ServiceProvider.GetRequiredService<IApiKeyService>()
            .CreateAsync(new NewApiKey(account.Id, SampleApi.KeyFormat, "limits"))).PlainKey;
        using var client = factory.CreateClient();

        using (var bronze = await WhoAmIAsync(client, key))
        {
            Assert.Equal("3", bronze.Headers.GetValues("X-RateLimit-Limit").Single());
        }
        await accounts.SetTierAsync(account.Id, "GOLD");
        using var gold = await WhoAmIAsync(client, key);
        Assert.Equal("5", gold.Headers.GetValues("X-RateLimit-Limit").Single());
    }

    private static string AccountEmail() => "sample" + Guid.NewGuid().ToString("N")[..10] + "@example.com";

    private static async Task<HttpResponseMessage> WhoAmIAsync(HttpClient client, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/sample/whoami");
        request.Headers.Add("X-Sample-Key", key);
        return await client.SendAsync(request);
    }
}
