using System.Net;
using System.Text.Json;
using Mindstack.Platform.Ai;

namespace Mindstack.Platform.Tests.Ai;

/// <summary>The engine inside the server, on its default offline configuration.</summary>
public sealed class AiLocalHttpTests(AiLocalFactory factory) : IClassFixture<AiLocalFactory>
{
    public static TheoryData<string> Apis => new() { "/mindpeeker/v1", "/mindra", "/pluginmind", "/mindswarm/api", "/mindmesh" };

    [Fact]
    public async Task Health_LocalEngine_ListsProviderAndModelPerOperation()
    {
        using var response = await factory.SendRawAsync(HttpMethod.Get, "/health");
        var engine = (await factory.ReadJsonAsync(response)).GetProperty("components").GetProperty("ai_engine");

        Assert.True(engine.GetProperty("healthy").GetBoolean());
        var data = engine.GetProperty("data");
        Assert.Equal(AiProviders.Local, data.GetProperty("provider").GetString());
        var operations = data.GetProperty("operations");
        Assert.Equal(Enum.GetValues<AiOperation>().Length, operations.EnumerateObject().Count());
        Assert.Equal("textrank-1", operations.GetProperty("summarize").GetProperty("model").GetString());
        Assert.Equal("all-MiniLM-L6-v2", operations.GetProperty("embed").GetProperty("model").GetString());
        Assert.Equal("all-MiniLM-L6-v2", data.GetProperty("embedding_model").GetString());
        Assert.All(operations.EnumerateObject(), o => Assert.Equal(AiProviders.Local, o.Value.GetProperty("provider").GetString()));
        Assert.False(operations.GetProperty("translate").GetProperty("remote").GetBoolean());
    }

    [Theory]
    [MemberData(nameof(Apis))]
    public async Task Translate_LocalEngine_EachApiAnswersUnavailableInItsShape(string basePath)
    {
        using var response = await factory.SendRawAsync(HttpMethod.Post, basePath + "/__ai/translate", """{"text":"Good morning"}""");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var raw = await response.Content.ReadAsStringAsync();
        Assert.Contains("offline", raw);
        var body = JsonDocument.Parse(raw).RootElement;
        var code = basePath switch
        {
            "/mindpeeker/v1" => body.GetProperty("error").GetProperty("code").GetString(),
            "/mindra" => body.GetProperty("error").GetString(),
            "/pluginmind" => body.GetProperty("error").GetProperty("code").GetString(),
            "/mindswarm/api" => body.GetProperty("code").GetString(),
            _ => "SERVICE_UNAVAILABLE",
        };
        Assert.Equal("SERVICE_UNAVAILABLE", code);
    }

    [Fact]
    public async Task Summarize_ThroughAnApi_ServedByTheLocalEngine()
    {
        using var response = await factory.SendRawAsync(HttpMethod.Post, "/pluginmind/__ai/summarize", JsonSerializer.Serialize(new { text = Samples.News }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await factory.ReadJsonAsync(response);
        Assert.StartsWith("The European Central Bank raised", body.GetProperty("summary").GetString());
        Assert.Equal(AiProviders.Local, body.GetProperty("provider").GetString());
    }

    [Fact]
    public async Task Prometheus_AfterAiCalls_CountsCallsAndTokens()
    {
        (await factory.SendRawAsync(HttpMethod.Post, "/mindra/__ai/summarize", JsonSerializer.Serialize(new { text = Samples.Review }))).Dispose();
        (await factory.SendRawAsync(HttpMethod.Post, "/mindra/__ai/translate", """{"text":"hi"}""")).Dispose();

        using var response = await factory.SendRawAsync(HttpMethod.Get, "/metrics/prometheus");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Contains("mindstack_ai_calls_total{operation=\"summarize\",provider=\"mindstack-local\",outcome=\"ok\"}", text);
        Assert.Contains("mindstack_ai_calls_total{operation=\"translate\",provider=\"mindstack-local\",outcome=\"unavailable\"}", text);
        Assert.Contains("mindstack_ai_tokens_total{operation=\"summarize\",provider=\"mindstack-local\",direction=\"input\"}", text);
    }
}

/// <summary>The engine inside the server, configured for an OpenAI-compatible provider.</summary>
public sealed class AiRemoteHttpTests(AiRemoteFactory factory) : IClassFixture<AiRemoteFactory>
{
    [Fact]
    public async Task Health_OpenAiConfigured_ShowsRemoteAndLocalRoutes()
    {
        using var response = await factory.SendRawAsync(HttpMethod.Get, "/health");
        var engine = (await factory.ReadJsonAsync(response)).GetProperty("components").GetProperty("ai_engine");

        Assert.True(engine.GetProperty("healthy").GetBoolean());
        var data = engine.GetProperty("data");
        Assert.Equal("ollama", data.GetProperty("provider").GetString());
        Assert.Equal(factory.Provider.BaseUrl + "/v1", data.GetProperty("base_url").GetString());
        var operations = data.GetProperty("operations");
        Assert.Equal(("ollama", "llama3.1:8b", true), Route(operations, "complete"));
        Assert.Equal(("ollama", "nomic-embed-text", true), Route(operations, "embed"));
        Assert.Equal((AiProviders.Local, "term-list-moderation-1", false), Route(operations, "moderate"));
        Assert.Equal((AiProviders.Local, "stylometry-detector-1", false), Route(operations, "detect_generated"));
        Assert.DoesNotContain("ApiKey", engine.GetRawText(), StringComparison.OrdinalIgnoreCase);
    }

    private static (string?, string?, bool) Route(JsonElement operations, string name)
    {
        var route = operations.GetProperty(name);
        return (route.GetProperty("provider").GetString(), route.GetProperty("model").GetString(), route.GetProperty("remote").GetBoolean());
    }

    [Fact]
    public async Task Summarize_OpenAiConfigured_ServedByTheRemoteModel()
    {
        factory.Provider.ThenChat(FakeOpenAiServer.Reply("The ECB raised rates again."));

        using var response = await factory.SendRawAsync(HttpMethod.Post, "/mindmesh/__ai/summarize", JsonSerializer.Serialize(new { text = Samples.News }));

        var body = await factory.ReadJsonAsync(response);
        Assert.Equal("The ECB raised rates again.", body.GetProperty("summary").GetString());
        Assert.Equal("ollama", body.GetProperty("provider").GetString());
    }

    [Theory]
    [InlineData("/pluginmind", HttpStatusCode.BadGateway, "AI_SERVICE_ERROR")]
    [InlineData("/mindpeeker/v1", HttpStatusCode.BadGateway, "AI_MODEL_ERROR")]
    [InlineData("/mindra", HttpStatusCode.ServiceUnavailable, "SERVICE_UNAVAILABLE")]
    [InlineData("/mindswarm/api", HttpStatusCode.BadGateway, "UPSTREAM_ERROR")]
    [InlineData("/mindmesh", HttpStatusCode.BadGateway, null)]
    public async Task ProviderFailure_EachApi_RendersItsOwnCode(string basePath, HttpStatusCode status, string? code)
    {
        factory.Provider.ThenChat(FakeOpenAiServer.Fail(500, "model crashed"));

        using var response = await factory.SendRawAsync(HttpMethod.Post, basePath + "/__ai/summarize", JsonSerializer.Serialize(new { text = Samples.News }));

        Assert.Equal(status, response.StatusCode);
        var raw = await response.Content.ReadAsStringAsync();
        Assert.Contains("model crashed", raw);
        var body = JsonDocument.Parse(raw).RootElement;
        var actual = basePath switch
        {
            "/pluginmind" or "/mindpeeker/v1" => body.GetProperty("error").GetProperty("code").GetString(),
            "/mindra" => body.GetProperty("error").GetString(),
            "/mindswarm/api" => body.GetProperty("code").GetString(),
            _ => null,
        };
        Assert.Equal(code, actual);
    }
}
