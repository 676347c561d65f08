using System.Net;
using System.Text.Json;

namespace Mindstack.PluginMind.Tests;

public sealed class MetaTests(PluginMindFactory factory) : IClassFixture<PluginMindFactory>
{
    private const string Base = PluginMindFactory.Base;

    [Fact]
    public async Task Root_Always_DescribesTheService()
    {
        var body = await GetJsonAsync("/");
        Assert.Equal("PluginMind", body.GetProperty("name").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("version").GetString()));
        Assert.Equal(JsonValueKind.Object, body.GetProperty("features").ValueKind);
        Assert.Equal("/docs/pluginmind", body.GetProperty("docs").GetString());
        Assert.Equal($"{Base}/health", body.GetProperty("health").GetString());
    }

    [Fact]
    public async Task Health_Always_OkWithActiveJobs()
    {
        var body = await GetJsonAsync("/health");
        Assert.Equal("ok", body.GetProperty("status").GetString());
        Assert.True(body.GetProperty("active_jobs").GetInt32() >= 0);
    }

    [Fact]
    public async Task Live_Always_Live()
    {
        var body = await GetJsonAsync("/live");
        Assert.Equal("live", body.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Ready_DatabaseUp_ReadyWithChecks()
    {
        var body = await GetJsonAsync("/ready");
        Assert.Equal("ready", body.GetProperty("status").GetString());
        Assert.Equal("ok", body.GetProperty("checks").GetProperty("db").GetString());
        Assert.Equal("ok", body.GetProperty("checks").GetProperty("env").GetString());
    }

    [Fact]
    public async Task Version_Always_CarriesTheBuildsGitSha()
    {
        var body = await GetJsonAsync("/version");
        Assert.Equal("PluginMind", body.GetProperty("name").GetString());
        var sha = body.GetProperty("git_sha").GetString();
        // The tests are built from a git checkout, so the stamp is a real commit id.
        Assert.Matches("^[0-9a-f]{40}$", sha);
    }

    [Fact]
    public async Task AnyAnswer_Always_CarriesSecurityHeadersAndRequestId()
    {
        using var ok = await factory.SendRawAsync(HttpMethod.Get, $"{Base}/live");
        using var missing = await factory.SendRawAsync(HttpMethod.Get, $"{Base}/no-such-route");
        foreach (var response in new[] { ok, missing })
        {
            Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.True(response.Headers.Contains("Referrer-Policy"));
            Assert.StartsWith("default-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single());
            Assert.True(Guid.TryParse(response.Headers.GetValues("X-Request-ID").Single(), out _));
        }
    }

    [Fact]
    public async Task UnknownRoute_Always_HttpExceptionEnvelopeWithCorrelationId()
    {
        using var response = await factory.SendRawAsync(HttpMethod.Get, $"{Base}/no-such-route",
            headers: h => h.Add("X-Request-ID", "client-id-123"));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("client-id-123", response.Headers.GetValues("X-Request-ID").Single());
        var error = (await factory.ReadJsonAsync(response)).GetProperty("error");
        Assert.Equal("HTTP_EXCEPTION", error.GetProperty("code").GetString());
        Assert.Equal("client-id-123", error.GetProperty("correlation_id").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task RequestId_NotAcceptable_ReplacedByUuid()
    {
        using var response = await factory.SendRawAsync(HttpMethod.Get, $"{Base}/live",
            headers: h => h.TryAddWithoutValidation("X-Request-ID", "bad id with spaces"));
        Assert.True(Guid.TryParse(response.Headers.GetValues("X-Request-ID").Single(), out _));
    }

    [Fact]
    public async Task Cors_AllowedOrigin_AllowsWithCredentials()
    {
        using var response = await factory.SendRawAsync(HttpMethod.Get, $"{Base}/live",
            headers: h => h.Add("Origin", PluginMindFactory.FrontEnd));
        Assert.Equal(PluginMindFactory.FrontEnd, response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("true", response.Headers.GetValues("Access-Control-Allow-Credentials").Single());
    }

    [Fact]
    public async Task Cors_Preflight_AnsweredForAllowedOriginOnly()
    {
        using var allowed = await factory.SendRawAsync(HttpMethod.Options, $"{Base}/process", headers: h =>
        {
            h.Add("Origin", PluginMindFactory.FrontEnd);
            h.Add("Access-Control-Request-Method", "POST");
            h.Add("Access-Control-Request-Headers", "content-type");
        });
        Assert.Equal(HttpStatusCode.NoContent, allowed.StatusCode);
        Assert.Equal(PluginMindFactory.FrontEnd, allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("POST", allowed.Headers.GetValues("Access-Control-Allow-Methods").Single());
        Assert.Equal("true", allowed.Headers.GetValues("Access-Control-Allow-Credentials").Single());

        using var refused = await factory.SendRawAsync(HttpMethod.Options, $"{Base}/process", headers: h =>
        {
            h.Add("Origin", "https://evil.example");
            h.Add("Access-Control-Request-Method", "POST");
        });
        Assert.False(refused.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        var error = (await factory.ReadJsonAsync(refused)).GetProperty("error");
        Assert.Contains("https://evil.example", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(error.GetProperty("correlation_id").GetString()));
    }

    [Fact]
    public async Task OpenApi_Always_ListsEveryPluginMindEndpoint()
    {
        using var response = await factory.SendRawAsync(HttpMethod.Get, "/openapi/pluginmind.json");
        var paths = (await factory.ReadJsonAsync(response)).GetProperty("paths");
        var expected = new (string Method, string Path)[]
        {
            ("post", "/process"), ("post", "/analyze"), ("post", "/analyze-async"), ("get", "/analyze-async/{job_id}"),
            ("get", "/jobs"), ("delete", "/jobs/{job_id}"), ("get", "/query-logs"), ("get", "/me"), ("get", "/me/usage"),
            ("get", "/users/profile"), ("get", "/profile"), ("post", "/auth/google"), ("post", "/auth/logout"),
            ("get", "/auth/validate"), ("get", "/auth/me"), ("get", "/"), ("get", "/health"), ("get", "/live"),
            ("get", "/ready"), ("get", "/services"), ("get", "/services/health"), ("get", "/version"),
        };
        foreach (var (method, path) in expected)
        {
            Assert.True(paths.TryGetProperty(Base + (path == "/" ? "" : path), out var item) || paths.TryGetProperty(Base + path, out item), path);
            Assert.True(item.TryGetProperty(method, out var operation), $"{method} {path}");
            Assert.False(string.IsNullOrEmpty(operation.GetProperty("summary").GetString()), $"{method} {path} has no summary");
        }
    }

    [Fact]
    public async Task OpenApi_UserAndAuthEndpoints_DeclareTheirAnswerSchemas()
    {
        using var response = await factory.SendRawAsync(HttpMethod.Get, "/openapi/pluginmind.json");
        var paths = (await factory.ReadJsonAsync(response)).GetProperty("paths");
        var declared = new (string Method, string Path)[]
        {
            ("get", "/me"), ("get", "/me/usage"), ("get", "/users/profile"), ("get", "/profile"), ("post", "/auth/google"),
            ("post", "/auth/logout"), ("get", "/auth/validate"), ("get", "/auth/me"),
        };
        foreach (var (method, path) in declared)
        {
            var ok = paths.GetProperty(Base + path).GetProperty(method).GetProperty("responses").GetProperty("200");
            Assert.True(ok.TryGetProperty("content", out var content)
                && content.GetProperty("application/json").GetProperty("schema").TryGetProperty("$ref", out _),
                $"{method} {path} declares no named answer schema");
        }
    }

    private async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await factory.SendRawAsync(HttpMethod.Get, Base + path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await factory.ReadJsonAsync(response);
    }
}
