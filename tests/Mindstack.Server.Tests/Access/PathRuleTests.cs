using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Access;
using Mindstack.Platform.Tests.Accounts;

namespace Mindstack.Platform.Tests.Access;

/// <summary>MindSwarm's key rules: a denylist of account-sensitive paths and read/write by method.</summary>
public sealed class PathRuleTests(AuthFactory factory) : IClassFixture<AuthFactory>
{
    private static readonly AuthRoutes.Api Swarm = AuthRoutes.MindSwarm;

    [Theory]
    [InlineData("/api/auth/login", true)]
    [InlineData("/api/auth", true)]
    [InlineData("/api/developer/apps/app_1/regenerate-key", true)]
    [InlineData("/api/admin/users", true)]
    [InlineData("/api/users/settings", true)]
    [InlineData("/api/users/settings/", true)]
    [InlineData("/api/data-export/request", true)]
    [InlineData("/api/ai/api-keys/openai", true)]
    [InlineData("/api/users/alice", false)]
    [InlineData("/api/posts", false)]
    [InlineData("/api/authors", false)]
    [InlineData("/api/users/settings-help", false)]
    public void IsDenied_MindSwarmDenylist_MatchesDocumentedPaths(string path, bool denied) =>
        Assert.Equal(denied, Swarm.Credentials.Rules.IsDenied(path));

    [Fact]
    public async Task KeyOnDeniedPath_ForbiddenOnPathButJwtAllowed()
    {
        var (_, _, _, tokens) = await factory.NewUserAsync(Swarm);
        var access = tokens.GetProperty("accessToken").GetString();
        var key = (await factory.SendOkAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/keys", new { name = "bot" }, access)).GetProperty("key").GetString()!;

        foreach (var path in new[] { "/mindswarm/api/auth/__probe/whoami", "/mindswarm/api/admin/__probe/whoami" })
        {
            using var response = await factory.SendAsync(HttpMethod.Get, path, headers: h => h.Add("X-API-Key", key));
            var (status, body) = await AuthFactory.ReadAsync(response);
            Assert.Equal(HttpStatusCode.Forbidden, status);
            Assert.False(body.GetProperty("success").GetBoolean());
            Assert.Equal("API_KEY_FORBIDDEN_ON_PATH", body.GetProperty("code").GetString());
            await factory.SendOkAsync(HttpMethod.Get, path, bearer: access);
        }
        await factory.SendOkAsync(HttpMethod.Get, $"{Swarm.BasePath}/__auth/me", headers: h => h.Add("X-API-Key", key));
    }

    [Fact]
    public async Task ReadOnlyKeyOnWrite_ReadOnlyRefusalAndReadsAllowed()
    {
        var (_, _, _, tokens) = await factory.NewUserAsync(Swarm);
        var access = tokens.GetProperty("accessToken").GetString();
        var readOnly = (await factory.SendOkAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/keys",
            new { name = "reader", permissions = new[] { "read" } }, access)).GetProperty("key").GetString()!;
        var readWrite = (await factory.SendOkAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/keys",
            new { name = "writer" }, access)).GetProperty("key").GetString()!;

        await factory.SendOkAsync(HttpMethod.Get, $"{Swarm.BasePath}/__auth/me", headers: h => h.Add("X-API-Key", readOnly));
        using var write = await factory.SendAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/me", headers: h => h.Add("X-API-Key", readOnly));
        var (status, body) = await AuthFactory.ReadAsync(write);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("API_KEY_READ_ONLY", body.GetProperty("code").GetString());
        Assert.Equal("This API key is read-only", body.GetProperty("error").GetString());

        await factory.SendOkAsync(HttpMethod.Post, $"{Swarm.BasePath}/__auth/me", headers: h => h.Add("X-API-Key", readWrite));

        // The refused write is the key's error in its usage counters.
        var keyId = (await factory.SendOkAsync(HttpMethod.Get, $"{Swarm.BasePath}/__auth/keys", bearer: access))
            .EnumerateArray().Single(k => k.GetProperty("name").GetString() == "reader").GetProperty("id").GetString()!;
        await using var scope = factory.Services.CreateAsyncScope();
        var today = DateOnly.FromDateTime(factory.Clock.GetUtcNow().UtcDateTime);
        var usage = await scope.ServiceProvider.GetRequiredService<IApiKeyService>().GetUsageAsync(keyId, today, today);
        var writes = Assert.Single(usage, u => u.Endpoint == "POST /mindswarm/api/__auth/me");
        Assert.Equal((1, 1), (writes.Requests, writes.Errors));
        Assert.Equal((1, 0), usage.Where(u => u.Endpoint == "GET /mindswarm/api/__auth/me").Select(u => (u.Requests, u.Errors)).Single());
    }
}
