using System.Net;
using System.Text.RegularExpressions;

namespace Mindstack.Mindra.Tests;

public sealed partial class AuthAndKeysTests(MindraFactory factory) : IClassFixture<MindraFactory>
{
    [Fact]
    public async Task AuthTest_ValidKey_AnswersAccountAndRateLimitHeaders()
    {
        var user = await factory.RegisterUserAsync();
        using var response = await user.GetAsync("/v1/auth/test");
        var json = await MindraClient.Expect(response, HttpStatusCode.OK);
        Assert.True(json.GetProperty("authenticated").GetBoolean());
        Assert.Equal(user.AccountId, json.GetProperty("accountId").GetString());
        Assert.Equal("production", json.GetProperty("environment").GetString());
        Assert.Equal("developer", json.GetProperty("tier").GetString());
        Assert.Equal("100", response.Headers.GetValues("X-RateLimit-Limit").Single());
        Assert.True(int.Parse(response.Headers.GetValues("X-RateLimit-Remaining").Single(), System.Globalization.CultureInfo.InvariantCulture) < 100);
        Assert.True(response.Headers.Contains("X-RateLimit-Reset"));
        Assert.True(response.Headers.Contains("X-Request-ID"));
    }

    [Fact]
    public async Task AuthTest_MissingOrBadKey_Unauthorized()
    {
        var user = await factory.RegisterUserAsync();
        foreach (var bearer in new[] { "mk_" + new string('0', 32), "not-a-key", "mk_test_" + new string('a', 32) })
        {
            using var response = await user.SendAsync(HttpMethod.Get, "/v1/auth/test", bearer: bearer);
            await MindraClient.ExpectError(response, HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        }
        using var anonymous = await factory.SendRawAsync(HttpMethod.Get, "/mindra/v1/agents");
        await MindraClient.ExpectError(anonymous, HttpStatusCode.Unauthorized, "UNAUTHORIZED");
    }

    [Fact]
    public async Task RequestId_GivenByClient_EchoedInErrors()
    {
        using var response = await factory.SendRawAsync(HttpMethod.Get, "/mindra/v1/executions", headers: h => h.Add("X-Request-ID", "trace-123"));
        var json = await MindraClient.ExpectError(response, HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        Assert.Equal("trace-123", json.GetProperty("requestId").GetString());
    }

    [Fact]
    public async Task Health_Anonymous_Healthy()
    {
        using var response = await factory.SendRawAsync(HttpMethod.Get, "/mindra/health");
        var json = await MindraClient.Expect(response, HttpStatusCode.OK);
        Assert.Equal("healthy", json.GetProperty("status").GetString());
    }

    [Fact]
    public async Task ApiKeys_CreateListUpdateDelete_KeyShownOnceAndRevoked()
    {
        var user = await factory.RegisterUserAsync();
        using var created = await user.PostAsync("/v1/api-keys", new { name = "ci", permissions = new[] { "orchestrate", "executions:read" } });
        var key = await MindraClient.Expect(created, HttpStatusCode.Created);
        var plain = key.GetProperty("key").GetString()!;
        Assert.Matches(LiveKey(), plain);
        Assert.StartsWith("key_", key.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("ci", key.GetProperty("name").GetString());
        Assert.True(key.GetProperty("isActive").GetBoolean());
        Assert.Equal(["orchestrate", "executions:read"], key.GetProperty("permissions").EnumerateArray().Select(p => p.GetString()));
        var id = key.GetProperty("id").GetString()!;

        var list = await user.GetJsonAsync("/v1/api-keys");
        Assert.Equal(2, list.GetProperty("pagination").GetProperty("total").GetInt32());
        Assert.All(list.GetProperty("data").EnumerateArray(), k => Assert.False(k.TryGetProperty("key", out var v) && v.ValueKind == System.Text.Json.JsonValueKind.String));

        using var renamed = await user.SendAsync(HttpMethod.Patch, $"/v1/api-keys/{id}", new { name = "ci-2", permissions = new[] { "executions:read" } });
        var updated = await MindraClient.Expect(renamed, HttpStatusCode.OK);
        Assert.Equal("ci-2", updated.GetProperty("name").GetString());
        Assert.Equal(["executions:read"], updated.GetProperty("permissions").EnumerateArray().Select(p => p.GetString()));

        using (var works = await user.SendAsync(HttpMethod.Get, "/v1/executions", bearer: plain))
        {
            await MindraClient.Expect(works, HttpStatusCode.OK);
        }
        using (var deleted = await user.SendAsync(HttpMethod.Delete, $"/v1/api-keys/{id}"))
        {
            Assert.True((await MindraClient.Expect(deleted, HttpStatusCode.OK)).GetProperty("deleted").GetBoolean());
        }
        using (var revoked = await user.SendAsync(HttpMethod.Get, "/v1/executions", bearer: plain))
        {
            await MindraClient.ExpectError(revoked, HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        }
        using var again = await user.SendAsync(HttpMethod.Delete, $"/v1/api-keys/{id}");
        await MindraClient.ExpectError(again, HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task ApiKeys_GrantingPermissionNotHeld_Forbidden()
    {
        var user = await factory.RegisterUserAsync(permissions: ["api-keys:write", "orchestrate"]);
        using var escalate = await user.PostAsync("/v1/api-keys", new { name = "more", permissions = new[] { "wallet:write" } });
        await MindraClient.ExpectError(escalate, HttpStatusCode.Forbidden, "FORBIDDEN");

        // Without a list, a key gets what its creator holds, and no more.
        using var created = await user.PostAsync("/v1/api-keys", new { name = "same" });
        var key = await MindraClient.Expect(created, HttpStatusCode.Created);
        Assert.Equal(["orchestrate", "api-keys:write"], key.GetProperty("permissions").EnumerateArray().Select(p => p.GetString()));

        using var unknown = await user.PostAsync("/v1/api-keys", new { name = "bad", permissions = new[] { "admin" } });
        await MindraClient.ExpectError(unknown, HttpStatusCode.BadRequest, "INVALID_REQUEST");
    }

    [Fact]
    public async Task Endpoints_KeyWithoutPermission_Forbidden()
    {
        var user = await factory.RegisterUserAsync(permissions: ["agents:read"]);
        using (var agents = await user.GetAsync("/v1/agents"))
        {
            await MindraClient.Expect(agents, HttpStatusCode.OK);
        }
        foreach (var (method, path) in new[] { (HttpMethod.Post, "/v1/orchestrate"), (HttpMethod.Get, "/v1/executions"), (HttpMethod.Get, "/v1/wallet"),
            (HttpMethod.Post, "/v1/wallet/topup"), (HttpMethod.Get, "/v1/api-keys"), (HttpMethod.Post, "/v1/agents") })
        {
            // An empty body: every field it named would have to be one the endpoint reads (unknown ones are refused first, as bodies are read before permissions are checked).
            using var response = await user.SendAsync(method, path, method == HttpMethod.Post ? new { } : null);
            await MindraClient.ExpectError(response, HttpStatusCode.Forbidden, "FORBIDDEN");
        }
    }

    [Fact]
    public async Task ApiKeys_SandboxKey_MakesOnlySandboxKeys()
    {
        var user = await factory.RegisterUserAsync(sandbox: true);
        using var created = await user.PostAsync("/v1/api-keys", new { name = "test" });
        var key = await MindraClient.Expect(created, HttpStatusCode.Created);
        Assert.StartsWith("mk_test_", key.GetProperty("key").GetString(), StringComparison.Ordinal);
        Assert.Equal("sandbox", key.GetProperty("environment").GetString());
        using var live = await user.PostAsync("/v1/api-keys", new { name = "live", environment = "production" });
        await MindraClient.ExpectError(live, HttpStatusCode.Forbidden, "FORBIDDEN");
    }

    [Fact]
    public async Task RateLimit_DeveloperTier_RefusedWithRetryAfterPastHundredPerMinute()
    {
        var user = await factory.RegisterUserAsync();
        HttpResponseMessage? refused = null;
        var allowed = 0;
        // Windows are aligned to the minute: a run may straddle two, so allow up to two windows' worth.
        for (var i = 0; i < 250 && refused is null; i++)
        {
            var response = await user.GetAsync("/v1/auth/test");
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refused = response;
            }
            else
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                allowed++;
                response.Dispose();
            }
        }
        Assert.NotNull(refused);
        Assert.InRange(allowed, 100, 200);
        using (refused)
        {
            await MindraClient.ExpectError(refused, HttpStatusCode.TooManyRequests, "RATE_LIMIT_EXCEEDED");
            Assert.True(refused.Headers.RetryAfter is not null);
            Assert.Equal("0", refused.Headers.GetValues("X-RateLimit-Remaining").Single());
        }

        var business = await factory.RegisterUserAsync(tier: "business");
        using var ok = await business.GetAsync("/v1/auth/test");
        Assert.Equal("500", ok.Headers.GetValues("X-RateLimit-Limit").Single());
        Assert.Equal("business", (await MindraClient.Expect(ok, HttpStatusCode.OK)).GetProperty("tier").GetString());

        // Enterprise is "custom" in the document: the agreed numbers come from configuration.
        var enterprise = await factory.RegisterUserAsync(tier: "enterprise");
        using var agreed = await enterprise.GetAsync("/v1/auth/test");
        Assert.Equal("2000", agreed.Headers.GetValues("X-RateLimit-Limit").Single());
    }

    [Fact]
    public async Task OpenApi_Document_ListsEveryMindraEndpoint()
    {
        using var response = await factory.SendRawAsync(HttpMethod.Get, "/openapi/mindra.json");
        var paths = (await MindraClient.Expect(response, HttpStatusCode.OK)).GetProperty("paths");
        foreach (var path in new[] { "/mindra/health", "/mindra/v1/auth/test", "/mindra/v1/orchestrate", "/mindra/v1/agents", "/mindra/v1/agents/{id}",
            "/mindra/v1/executions", "/mindra/v1/executions/{id}", "/mindra/v1/executions/{id}/cancel", "/mindra/v1/wallet", "/mindra/v1/wallet/topup",
            "/mindra/v1/wallet/crypto/address", "/mindra/v1/wallet/transactions", "/mindra/v1/api-keys", "/mindra/v1/api-keys/{id}" })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"{path} missing from the OpenAPI document");
        }
    }

    [GeneratedRegex("^mk_[0-9a-f]{32}$")]
    private static partial Regex LiveKey();
}
