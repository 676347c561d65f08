using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Access;
using Mindstack.Platform.Tests.Accounts;

namespace Mindstack.Platform.Tests.Access;

/// <summary>API keys over HTTP: formats, hashing, authentication, revocation, expiry, usage counters.</summary>
public sealed class ApiKeyTests(KeyFactory factory) : IClassFixture<KeyFactory>
{
    private static readonly AuthRoutes.Api Mindra = AuthRoutes.Mindra;
    private static readonly AuthRoutes.Api Swarm = AuthRoutes.MindSwarm;
    private static readonly AuthRoutes.Api Peeker = AuthRoutes.MindPeeker;

    private async Task<(string Access, string AccountId)> UserAsync(AuthRoutes.Api api)
    {
        var (_, _, _, tokens) = await factory.NewUserAsync(api);
        return (tokens.GetProperty("accessToken").GetString()!, tokens.GetProperty("accountId").GetString()!);
    }

    private async Task<(string Id, string Key)> CreateKeyAsync(AuthRoutes.Api api, string access, object body)
    {
        var created = await factory.SendOkAsync(HttpMethod.Post, $"{api.BasePath}/__auth/keys", body, access);
        return (created.GetProperty("id").GetString()!, created.GetProperty("key").GetString()!);
    }

    [Fact]
    public async Task Create_EachApi_ItsFormatAndOnlyHashAndPrefixStored()
    {
        var (mindraAccess, _) = await UserAsync(Mindra);
        var (_, live) = await CreateKeyAsync(Mindra, mindraAccess, new { name = "live" });
        var (_, sandbox) = await CreateKeyAsync(Mindra, mindraAccess, new { name = "sandbox", sandbox = true });
        var (swarmAccess, _) = await UserAsync(Swarm);
        var (_, swarm) = await CreateKeyAsync(Swarm, swarmAccess, new { name = "bot" });
        var (peekerAccess, _) = await UserAsync(Peeker);
        var (_, peeker) = await CreateKeyAsync(Peeker, peekerAccess, new { name = "app" });

        Assert.Matches(new Regex("^mk_[0-9a-f]{32}$"), live);
        Assert.Matches(new Regex("^mk_test_[0-9a-f]{32}$"), sandbox);
        Assert.Matches(new Regex("^msk_[0-9a-f]{48}$"), swarm);
        Assert.Matches(new Regex("^mpk_[0-9a-f]{40}$"), peeker);

        var listed = await factory.SendOkAsync(HttpMethod.Get, $"{Mindra.BasePath}/__auth/keys", bearer: mindraAccess);
        Assert.Equal([sandbox[..12], live[..7]], listed.EnumerateArray().Select(k => k.GetProperty("prefix").GetString()));
        Assert.True(listed[0].GetProperty("sandbox").GetBoolean());
        Assert.Equal(["orchestrate", "agents:read", "agents:write", "executions:read", "wallet:read", "wallet:write", "api-keys:write"],
            listed[1].GetProperty("permissions").EnumerateArray().Select(p => p.GetString()));

        // The database holds each key's SHA-256 and nowhere the key itself.
        var text = await factory.AllTextAsync();
        foreach (var key in new[] { live, sandbox, swarm, peeker })
        {
            Assert.DoesNotContain(text, t => t.Value.Contains(key, StringComparison.Ordinal)
                || t.Value.Contains(key[^24..], StringComparison.OrdinalIgnoreCase));
            var sha = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
            Assert.Contains(text, t => t.Table == "access_api_keys" && t.Value == sha);
        }
    }

    [Fact]
    public async Task Use_KeysOnEveryApi_CallerIsTheOwnerAndKeyNeverInLogs()
    {
        var (mindraAccess, owner) = await UserAsync(Mindra);
        var (keyId, live) = await CreateKeyAsync(Mindra, mindraAccess, new { name = "live", permissions = new[] { "orchestrate" } });
        var (_, sandbox) = await CreateKeyAsync(Mindra, mindraAccess, new { name = "sandbox", sandbox = true });

        var me = await factory.SendOkAsync(HttpMethod.Get, $"{Mindra.BasePath}/__auth/me", bearer: live);
        Assert.Equal(owner, me.GetProperty("accountId").GetString());
        Assert.Equal(keyId, me.GetProperty("apiKeyId").GetString());
        Assert.Equal("ApiKey", me.GetProperty("method").GetString());
        Assert.Equal("developer", me.GetProperty("tier").GetString());
        Assert.False(me.GetProperty("sandbox").GetBoolean());
        Assert.True((await factory.SendOkAsync(HttpMethod.Get, $"{Mindra.BasePath}/__auth/me", bearer: sandbox)).GetProperty("sandbox").GetBoolean());

        // Scopes: a key without agents:write is refused there; the account's own token is not.
        using var scoped = await factory.SendAsync(HttpMethod.Get, $"{Mindra.BasePath}/__auth/agents-write", bearer: live);
        var (status, body) = await AuthFactory.ReadAsync(scoped);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("FORBIDDEN", body.GetProperty("error").GetString());
        await factory.SendOkAsync(HttpMethod.Get, $"{Mindra.BasePath}/__auth/agents-write", bearer: mindraAccess);

        var (swarmAccess, _) = await UserAsync(Swarm);
        var (_, swarmKey) = await CreateKeyAsync(Swarm, swarmAccess, new { name = "bot" });
        await factory.SendOkAsync(HttpMethod.Get, $"{Swarm.BasePath}/__auth/me", headers: h => h.Add("X-API-Key", swarmKey));
        var (peekerAccess, _) = await UserAsync(Peeker);
        var (_, peekerKey) = await CreateKeyAsync(Peeker, peekerAccess, new { name = "app" });
        await factory.SendOkAsync(HttpMethod.Get, $"{Peeker.BasePath}/__auth/me", headers: h => h.Add("X-API-Key", peekerKey));

        // A key of one API is nobody on another.
        using var crossed = await factory.SendAsync(HttpMethod.Get, $"{Peeker.BasePath}/__auth/me", headers: h => h.Add("X-API-Key", swarmKey));
        Assert.Equal(HttpStatusCode.Unauthorized, crossed.StatusCode);

        var lines = factory.Logs.Lines.ToArray();
        // Everything was logged, down to the SQL that looked the keys up (its parameters are never logged).
        Assert.Contains(lines, l => l.Contains("access_api_keys", StringComparison.Ordinal));
        foreach (var key in new[] { live, sandbox, swarmKey, peekerKey })
        {
            Assert.DoesNotContain(lines, l => l.Contains(key, StringComparison.Ordinal) || l.Contains(key[^24..], StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Use_RevokedInactiveExpiredOrUnknownKey_Refused()
    {
        var (access, _) = await UserAsync(Mindra);
        var (revokedId, revoked) = await CreateKeyAsync(Mindra, access, new { name = "r" });
        await factory.SendOkAsync(HttpMethod.Get, $"{Mindra.BasePath}/__auth/me", bearer: revoked);
        await factory.SendOkAsync(HttpMethod.Delete, $"{Mindra.BasePath}/__auth/keys/{revokedId}", bearer: access);
        using (var response = await factory.SendAsync(HttpMethod.Get, $"{Mindra.BasePath}/__auth/me", bearer: revoked))
        {
            var (status, body) = await AuthFactory.ReadAsync(response);
            Assert.Equal(HttpStatusCode.Unauthorized, status);
            Assert.Equal("UNAUTHORIZED", body.GetProperty("error").GetString());
            Assert.Equal("API key has been revoked", body.GetProperty("message").GetString());
        }

        var (inactiveId, inactive) = await CreateKeyAsync(Mindra, access, new { name = "i" });
        await factory.SendOkAsync(HttpMethod.Patch, $"{Mindra.BasePath}/__auth/keys/{inactiveId}", new { active = false }, access);
        using (var response = await factory.SendAsync(HttpMethod.Get, $"{Mindra.BasePath}/__auth/me", bearer: inactive))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
        await factory.SendOkAsync(HttpMethod.Patch, $"{Mindra.BasePath}/__auth/keys/{inactiveId}", new { active = true }, access);
        await factory.SendOkAsync(HttpMethod.Get, $"{Mindra.BasePath}/__auth/me", bearer: inactive);

        var (_, expiring) = await CreateKeyAsync(Mindra, access, new { name = "e", expires = factory.Clock.GetUtcNow().UtcDateTime.AddHours(1) });
        await factory.SendOkAsync(HttpMethod.Get, $"{Mindra.BasePath}/__auth/me", bearer: expiring);
        factory.Clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        using (var response = await factory.SendAsync(HttpMethod.Get, $"{Peeker.BasePath}/__auth/me", headers: h => h.Add("X-API-Key", "mpk_" + new string('0', 40))))
        {
            Assert.Equal("TOKEN_INVALID", (await AuthFactory.ReadAsync(response)).Body.GetProperty("error").GetProperty("code").GetString());
        }
        using (var response = await factory.SendAsync(HttpMethod.Get, $"{Mindra.BasePath}/__auth/me", bearer: expiring))
        {
            var (status, body) = await AuthFactory.ReadAsync(response);
            Assert.Equal(HttpStatusCode.Unauthorized, status);
            Assert.Equal("API key has expired", body.GetProperty("message").GetString());
        }
        foreach (var bad in new[] { "mk_" + new string('a', 32), "mk_short", "mk_" + new string('A', 32) })
        {
            using var response = await factory.SendAsync(HttpMethod.Get, $"{Mindra.BasePath}/__auth/me", bearer: bad);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
    }

    [Fact]
    public async Task Use_SeveralRequests_UsageCountedByDayAndEndpointAndLastUsedSet()
    {
        var (access, _) = await UserAsync(Mindra);
        var (keyId, key) = await CreateKeyAsync(Mindra, access, new { name = "counted", permissions = new[] { "orchestrate" } });
        for (var i = 0; i < 3; i++)
        {
            await factory.SendOkAsync(HttpMethod.Get, $"{Mindra.BasePath}/__auth/me", bearer: key);
        }
        using (await factory.SendAsync(HttpMethod.Get, $"{Mindra.BasePath}/__auth/agents-write", bearer: key))
        {
        }

        await using var scope = factory.Services.CreateAsyncScope();
        var keys = scope.ServiceProvider.GetRequiredService<IApiKeyService>();
        var today = DateOnly.FromDateTime(factory.Clock.GetUtcNow().UtcDateTime);
        var usage = await keys.GetUsageAsync(keyId, today, today);
        var me = Assert.Single(usage, u => u.Endpoint == "GET /mindra/__auth/me");
        Assert.Equal(3, me.Requests);
        Assert.Equal(0, me.Errors);
        var refused = Assert.Single(usage, u => u.Endpoint == "GET /mindra/__auth/agents-write");
        Assert.Equal(1, refused.Requests);
        Assert.Equal(1, refused.Errors);
        Assert.All(usage, u => Assert.Equal(today.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), u.Day));
        Assert.NotNull((await keys.FindAsync(keyId))!.LastUsedAt);
    }

    [Fact]
    public async Task Create_UnknownScopeOrNoSandboxForApi_ValidationErrors()
    {
        var (access, _) = await UserAsync(Mindra);
        using var scope = await factory.SendAsync(HttpMethod.Post, $"{Mindra.BasePath}/__auth/keys", new { name = "x", permissions = new[] { "root" } }, access);
        var (status, body) = await AuthFactory.ReadAsync(scope);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("INVALID_REQUEST", body.GetProperty("error").GetString());
        Assert.Contains("root", body.GetProperty("message").GetString());

        var (swarmAccess, _) = await UserAsync(Swarm);
        using var sandbox = await factory.SendAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/keys", new { name = "x", sandbox = true }, swarmAccess);
        Assert.Equal(HttpStatusCode.BadRequest, sandbox.StatusCode);
    }
}
