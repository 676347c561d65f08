using System.Net;
using System.Text.Json;
using Mindstack.MindSwarm.Tests.Media;

namespace Mindstack.MindSwarm.Tests.Connected;

/// <summary>GIF search, AI images and the code sandbox against stand-ins of their services on loopback.</summary>
public sealed class OutsideServiceTests(StandInServices services) : IClassFixture<StandInServices>
{
    private MindSwarmFactory Swarm => services.Swarm;

    [Fact]
    public async Task Gifs_GiphyConfigured_ResultsInDocumentShape()
    {
        services.On("/giphy/v1/gifs/search", (context, _) => StandInServices.WriteAsync(context, 200, """
            {"data":[{"id":"abc123","title":"Funny cat","url":"https://giphy.com/gifs/abc123",
              "images":{"original":{"url":"https://media.giphy.com/media/abc123/giphy.gif","width":"480","height":"270"},
                        "fixed_height_small":{"url":"https://media.giphy.com/media/abc123/100.gif","width":"178","height":"100"}}}],
             "pagination":{"total_count":1,"count":1,"offset":0},"meta":{"status":200}}
            """));
        var user = await Swarm.RegisterAsync();
        var data = await user.GetDataAsync("/api/posts/gifs?q=funny%20cat&limit=5");
        var gif = Assert.Single(data.GetProperty("gifs").EnumerateArray());
        Assert.Equal("https://media.giphy.com/media/abc123/giphy.gif", gif.GetProperty("url").GetString());
        Assert.Equal("https://media.giphy.com/media/abc123/100.gif", gif.GetProperty("previewUrl").GetString());
        Assert.Equal(480, gif.GetProperty("width").GetInt32());
        var request = services.Outside.On("/giphy/v1/gifs/search").Last();
        Assert.NotNull(request);
        // The GIF URL goes straight into a post's media.
        var post = await user.PostAsync(new { content = "look", media = new[] { new { type = "image", url = gif.GetProperty("url").GetString() } } });
        Assert.Equal(gif.GetProperty("url").GetString(), post.GetProperty("media")[0].GetProperty("url").GetString());
    }

    [Fact]
    public async Task Gifs_GiphyFails_Answers502()
    {
        services.On("/giphy/v1/gifs/trending", (context, _) => StandInServices.WriteAsync(context, 500, "{}"));
        var user = await Swarm.RegisterAsync();
        await user.ErrorAsync(HttpMethod.Get, "/api/posts/gifs", null, HttpStatusCode.BadGateway, "SERVICE_FAILED");
    }

    [Fact]
    public async Task AiImage_ProviderConfigured_StoredAndPermanentUrlReturned()
    {
        var png = TestMedia.Png(512, 512);
        services.On("/openai/v1/images/generations", (context, _) => StandInServices.WriteAsync(context, 200,
            JsonSerializer.Serialize(new { created = 1, data = new[] { new { b64_json = Convert.ToBase64String(png) } } })));
        var user = await Swarm.RegisterAsync();
        var access = await user.GetDataAsync("/api/posts/ai-image-access");
        Assert.True(access.GetProperty("enabled").GetBoolean());
        var data = await user.PostDataAsync("/api/posts/ai-image", new { prompt = "A sunset over mountains", width = 512, height = 512 });
        var sent = services.Outside.On("/openai/v1/images/generations").Last();
        Assert.Equal("Bearer sk-test", sent.Header("Authorization"));
        Assert.Equal("A sunset over mountains", sent.Json.GetProperty("prompt").GetString());
        Assert.Equal("b64_json", sent.Json.GetProperty("response_format").GetString());
        Assert.Equal("512x512", sent.Json.GetProperty("size").GetString());
        Assert.Equal("test-image-model", sent.Json.GetProperty("model").GetString());
        using var image = TestMedia.Decode(await Multipart.FetchAsync(Swarm, data.GetProperty("url").GetString()!));
        Assert.Equal((512, 512), (image.Width, image.Height));
    }

    [Fact]
    public async Task AiImage_BadSize_Refused400()
    {
        var user = await Swarm.RegisterAsync();
        await user.ErrorAsync(HttpMethod.Post, "/api/posts/ai-image", new { prompt = "x", width = 333, height = 1024 }, HttpStatusCode.BadRequest,
            "VALIDATION_ERROR");
    }

    [Fact]
    public async Task Sandbox_Configured_RunsInPistonAndReturnsOutput()
    {
        services.On("/piston/api/v2/execute", (context, _) => StandInServices.WriteAsync(context, 200, """
            {"language":"python","version":"3.12.0","run":{"stdout":"Hello!\n","stderr":"","output":"Hello!\n","code":0,"signal":null}}
            """));
        var user = await Swarm.RegisterAsync();
        var data = await user.PostDataAsync("/api/posts/sandbox", new { code = "print('Hello!')", language = "python" });
        Assert.Equal("Hello!\n", data.GetProperty("stdout").GetString());
        Assert.Equal(0, data.GetProperty("exitCode").GetInt32());
        Assert.True(data.GetProperty("success").GetBoolean());
        var sent = services.Outside.On("/piston/api/v2/execute").Last().Json;
        Assert.Equal("python", sent.GetProperty("language").GetString());
        Assert.Equal("print('Hello!')", sent.GetProperty("files")[0].GetProperty("content").GetString());
    }

    [Fact]
    public async Task Sandbox_NodeAndCpp_MappedToPistonNames()
    {
        services.On("/piston/api/v2/execute", (context, _) => StandInServices.WriteAsync(context, 200,
            """{"language":"x","version":"1","run":{"stdout":"","stderr":"","output":"","code":0,"signal":null}}"""));
        var user = await Swarm.RegisterAsync();
        await user.PostDataAsync("/api/posts/sandbox", new { code = "console.log(1)", language = "node" });
        Assert.Equal("javascript", services.Outside.On("/piston/api/v2/execute").Last().Json.GetProperty("language").GetString());
        await user.PostDataAsync("/api/posts/sandbox", new { code = "int main(){}", language = "cpp" });
        Assert.Equal("c++", services.Outside.On("/piston/api/v2/execute").Last().Json.GetProperty("language").GetString());
    }

    [Fact]
    public async Task Sandbox_UnknownLanguage_Refused400()
    {
        var user = await Swarm.RegisterAsync();
        await user.ErrorAsync(HttpMethod.Post, "/api/posts/sandbox", new { code = "x", language = "cobol" }, HttpStatusCode.BadRequest, "VALIDATION_ERROR");
    }
}

/// <summary>Every outside service left unconfigured: a clear 503 <c>SERVICE_NOT_CONFIGURED</c>, never a made-up result.</summary>
public sealed class NotConfiguredTests(MindSwarmFactory factory) : IClassFixture<MindSwarmFactory>
{
    [Fact]
    public async Task Gifs_NotConfigured_Answers503()
    {
        var user = await factory.RegisterAsync();
        var body = await user.ErrorAsync(HttpMethod.Get, "/api/posts/gifs?q=cat", null, HttpStatusCode.ServiceUnavailable, "SERVICE_NOT_CONFIGURED");
        Assert.Contains("Giphy", body.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AiImage_NotConfigured_Answers503AndAccessSaysDisabled()
    {
        var user = await factory.RegisterAsync();
        var access = await factory.Anonymous().GetDataAsync("/api/posts/ai-image-access");
        Assert.False(access.GetProperty("enabled").GetBoolean());
        await user.ErrorAsync(HttpMethod.Post, "/api/posts/ai-image", new { prompt = "A sunset" }, HttpStatusCode.ServiceUnavailable,
            "SERVICE_NOT_CONFIGURED");
    }

    [Fact]
    public async Task Sandbox_NotConfigured_Answers503()
    {
        var user = await factory.RegisterAsync();
        await user.ErrorAsync(HttpMethod.Post, "/api/posts/sandbox", new { code = "print(1)", language = "python" }, HttpStatusCode.ServiceUnavailable,
            "SERVICE_NOT_CONFIGURED");
    }

    [Fact]
    public async Task Boost_ChainNotConfigured_StaysPendingAndSaysWhy()
    {
        var user = await factory.RegisterAsync();
        var post = await user.PostAsync(new { content = "Boost without a node" });
        var hash = "0x" + new string('a', 64);
        var boost = (await user.PostDataAsync($"/api/posts/{post.GetProperty("id").GetString()}/boost",
            new { duration = 24, amount = "0.01", crypto = "eth", txHash = hash }, HttpStatusCode.Created)).GetProperty("boost");
        Assert.Equal("pending", boost.GetProperty("status").GetString());
        Assert.Contains("Mindstack:MindSwarm:Chain:RpcUrl", boost.GetProperty("statusReason").GetString(), StringComparison.Ordinal);
        var boosted = await factory.Anonymous().GetDataAsync("/api/posts/boosted");
        Assert.Empty(boosted.GetProperty("posts").EnumerateArray());
    }

    [Fact]
    public async Task CreatePost_AddressWithoutChainRpc_AnalysisUnavailableWithReason()
    {
        var user = await factory.RegisterAsync();
        var address = "0x" + new string('7', 40);
        var post = await user.PostAsync(new { content = $"Is {address} safe?" });
        var analysis = await Eventually.UntilAsync(
            async () => (await user.GetDataAsync("/api/posts/" + post.GetProperty("id").GetString())).GetProperty("post").GetProperty("cryptoAnalysis"),
            a => a.ValueKind == JsonValueKind.Object, "the post's crypto analysis");
        Assert.Equal("unavailable", analysis.GetProperty("status").GetString());
        Assert.Contains("Mindstack:MindSwarm:Chain:RpcUrl", analysis.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal([address], analysis.GetProperty("addresses").EnumerateArray().Select(a => a.GetString()));
        Assert.Empty(analysis.GetProperty("tokens").EnumerateArray());
        Assert.Empty(analysis.GetProperty("wallets").EnumerateArray());
        Assert.Empty(analysis.GetProperty("contracts").EnumerateArray());
    }

    [Fact]
    public async Task DownloadVideo_NotConfigured_Answers503()
    {
        var user = await factory.RegisterAsync();
        var post = await user.PostAsync(new { content = "https://www.tiktok.com/@a/video/1" });
        await user.ErrorAsync(HttpMethod.Post, $"/api/posts/{post.GetProperty("id").GetString()}/download-video", new { },
            HttpStatusCode.ServiceUnavailable, "SERVICE_NOT_CONFIGURED");
    }
}

public sealed class ConnectedOpenApiTests(MindSwarmFactory factory) : IClassFixture<MindSwarmFactory>
{
    [Fact]
    public async Task OpenApi_ConnectedFeatures_DocumentedWithSchemas()
    {
        using var client = factory.CreateClient();
        using var response = await client.GetAsync("/openapi/mindswarm.json");
        var paths = (await SwarmClient.Expect(response, HttpStatusCode.OK)).GetProperty("paths");
        foreach (var (path, method) in new[]
                 {
                     ("/mindswarm/api/users/upload/avatar", "post"), ("/mindswarm/api/users/upload/banner", "post"), ("/mindswarm/api/posts/gifs", "get"),
                     ("/mindswarm/api/posts/ai-image", "post"), ("/mindswarm/api/posts/ai-image-access", "get"), ("/mindswarm/api/posts/sandbox", "post"),
                     ("/mindswarm/api/posts/{postId}/boost", "post"), ("/mindswarm/api/posts/boosted", "get"),
                     ("/mindswarm/api/posts/{postId}/download-video", "post"),
                 })
        {
            Assert.True(paths.TryGetProperty(path, out var item), path + " missing");
            var success = item.GetProperty(method).GetProperty("responses").EnumerateObject().First(r => r.Name.StartsWith('2'));
            Assert.True(success.Value.GetProperty("content").GetProperty("application/json").TryGetProperty("schema", out _), path + " has no schema");
        }
    }

    [Fact]
    public async Task OpenApi_PostSchema_DescribesCryptoAnalysis()
    {
        using var client = factory.CreateClient();
        using var response = await client.GetAsync("/openapi/mindswarm.json");
        var schemas = (await SwarmClient.Expect(response, HttpStatusCode.OK)).GetProperty("components").GetProperty("schemas").EnumerateObject().ToList();
        Assert.Contains(schemas, s => s.Value.TryGetProperty("properties", out var p) && p.TryGetProperty("shortId", out _) && p.TryGetProperty("cryptoAnalysis", out _));
        var analysis = schemas.Single(s => s.Name.StartsWith("CryptoAnalysisView", StringComparison.Ordinal)).Value.GetProperty("properties");
        foreach (var field in new[] { "status", "reason", "addresses", "tokens", "wallets", "contracts", "skipped" })
        {
            Assert.True(analysis.TryGetProperty(field, out _), field + " missing");
        }
        var token = schemas.Single(s => s.Name.StartsWith("TokenAnalysisView", StringComparison.Ordinal)).Value.GetProperty("properties");
        foreach (var field in new[] { "safetyScore", "rating", "honeypot", "honeypotReason", "verified", "securityIssues" })
        {
            Assert.True(token.TryGetProperty(field, out _), field + " missing");
        }
    }
}
