using System.Net;
using System.Text.Json;

namespace Mindstack.Platform.Tests.Observability;

public sealed class HealthAndDocumentsTests(MindstackFactory factory) : IClassFixture<MindstackFactory>
{
    [Fact]
    public async Task Health_Default_OkWithReachableDatabase()
    {
        using var response = await factory.SendRawAsync(HttpMethod.Get, "/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await factory.ReadJsonAsync(response);
        Assert.Equal("ok", body.GetProperty("status").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("version").GetString()));
        Assert.True(body.GetProperty("database").GetProperty("reachable").GetBoolean());
        Assert.Equal(TestDatabase.ProviderName, body.GetProperty("database").GetProperty("provider").GetString());
    }

    [Theory]
    [InlineData("mindpeeker", "/mindpeeker/v1")]
    [InlineData("mindra", "/mindra")]
    [InlineData("pluginmind", "/pluginmind")]
    [InlineData("mindswarm", "/mindswarm")]
    [InlineData("mindmesh", "/mindmesh")]
    public async Task OpenApi_EachApi_DocumentWithBasePathPaths(string api, string basePath)
    {
        using var response = await factory.SendRawAsync(HttpMethod.Get, $"/openapi/{api}.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = await factory.ReadJsonAsync(response);
        Assert.StartsWith("3.", document.GetProperty("openapi").GetString());
        Assert.False(string.IsNullOrEmpty(document.GetProperty("info").GetProperty("title").GetString()));
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            // An API's own root (PluginMind's GET /) is the base path itself.
            Assert.True(path.Name == basePath || path.Name.StartsWith(basePath + "/", StringComparison.Ordinal), path.Name);
        }

        using var page = await factory.SendRawAsync(HttpMethod.Get, $"/docs/{api}");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        // Scalar's page names the document relative to the server's root, where the platform serves it.
        Assert.Contains($"\"url\":\"openapi/{api}.json\"", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Docs_InteractiveReference_ServesItsOwnScripts()
    {
        using var page = await factory.SendRawAsync(HttpMethod.Get, "/docs/mindswarm");
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        // Nothing is loaded from outside: every script the page names is served here.
        var scripts = System.Text.RegularExpressions.Regex.Matches(html, "src=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(scripts);
        foreach (var script in scripts)
        {
            Assert.DoesNotContain("//", script, StringComparison.Ordinal);
            var path = script.StartsWith('/') ? script : "/docs/" + script.TrimStart('.', '/');
            using var asset = await factory.SendRawAsync(HttpMethod.Get, path);
            Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
        }

        using var all = await factory.SendRawAsync(HttpMethod.Get, "/docs/");
        Assert.Equal(HttpStatusCode.OK, all.StatusCode);
        var every = await all.Content.ReadAsStringAsync();
        Assert.All(new[] { "mindpeeker", "mindra", "pluginmind", "mindswarm", "mindmesh" },
            api => Assert.Contains($"\"url\":\"openapi/{api}.json\"", every, StringComparison.Ordinal));
        using var unknown = await factory.SendRawAsync(HttpMethod.Get, "/docs/nothing");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Root_MainPort_HtmlPageListingEveryApi()
    {
        using var response = await factory.SendRawAsync(HttpMethod.Get, "/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        foreach (var (api, basePath) in new[] { ("mindpeeker", "/mindpeeker/v1"), ("mindra", "/mindra"), ("pluginmind", "/pluginmind"), ("mindswarm", "/mindswarm"), ("mindmesh", "/mindmesh") })
        {
            Assert.Contains($"http://localhost{basePath}</code>", html, StringComparison.Ordinal);
            Assert.Contains($"href=\"/docs/{api}\"", html, StringComparison.Ordinal);
            Assert.Contains($"href=\"/openapi/{api}.json\"", html, StringComparison.Ordinal);
        }
        Assert.Contains("href=\"/health\"", html, StringComparison.Ordinal);
        Assert.Contains(Mindstack.Platform.Observability.HealthService.Version, html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenApi_Mindra_ListsItsHealthRoute()
    {
        using var response = await factory.SendRawAsync(HttpMethod.Get, "/openapi/mindra.json");
        var paths = (await factory.ReadJsonAsync(response)).GetProperty("paths");
        Assert.True(paths.TryGetProperty("/mindra/health", out _));
    }

    [Fact]
    public async Task Prometheus_AfterRequests_CountsByApiAndStatus()
    {
        (await factory.SendRawAsync(HttpMethod.Get, "/mindra/health")).Dispose();
        (await factory.SendRawAsync(HttpMethod.Get, "/mindmesh/missing")).Dispose();
        using var response = await factory.SendRawAsync(HttpMethod.Get, "/metrics/prometheus");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("mindstack_http_requests_total{api=\"mindra\",status=\"200\"}", text);
        Assert.Contains("mindstack_http_requests_total{api=\"mindmesh\",status=\"404\"}", text);
        Assert.Contains("mindstack_http_request_duration_seconds_bucket", text);
    }

    [Theory]
    [InlineData("/mindra/health")]
    [InlineData("/mindmesh/health")]
    public async Task ApiHealth_DocumentShape_HealthyWithServices(string path)
    {
        using var response = await factory.SendRawAsync(HttpMethod.Get, path);
        var body = await factory.ReadJsonAsync(response);
        Assert.Equal("healthy", body.GetProperty("status").GetString());
        Assert.Equal("healthy", body.GetProperty("services").GetProperty("database").GetString());
        Assert.Equal(JsonValueKind.String, body.GetProperty("timestamp").ValueKind);
    }

    [Fact]
    public async Task PluginMindProbes_LiveAndReady_AnswerAsOriginal()
    {
        using var live = await factory.SendRawAsync(HttpMethod.Get, "/pluginmind/live");
        Assert.Equal("live", (await factory.ReadJsonAsync(live)).GetProperty("status").GetString());
        using var ready = await factory.SendRawAsync(HttpMethod.Get, "/pluginmind/ready");
        var body = await factory.ReadJsonAsync(ready);
        Assert.Equal("ready", body.GetProperty("status").GetString());
        Assert.Equal("ok", body.GetProperty("checks").GetProperty("db").GetString());
    }
}
