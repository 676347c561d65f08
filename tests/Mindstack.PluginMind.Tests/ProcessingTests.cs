using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Mindstack.PluginMind.Tests;

/// <summary><c>/process</c> and <c>/analyze</c> on the built-in offline AI engine.</summary>
public sealed class ProcessingTests(PluginMindFactory factory) : IClassFixture<PluginMindFactory>
{
    private const string Base = PluginMindFactory.Base;

    private const string SeoText =
        "Solar panels turn sunlight into electricity. Home solar panels cut energy bills and carbon emissions. " +
        "Installing solar panels needs a sunny roof, an inverter and a permit. Solar incentives make panels cheaper every year.";

    public static TheoryData<string, string> Inputs() => new()
    {
        { "document", "Acme Corp signed a contract with Globex on 12 March 2026 for $1,200,000. Jane Smith will deliver the first report by April. The board approved the budget." },
        { "chat", "What can you do for me?" },
        { "seo", SeoText },
        { "crypto", "What is the outlook for bitcoin and ethereum this quarter?" },
        { "custom", "Write three taglines for a bakery that opens at dawn." },
    };

    [Theory]
    [MemberData(nameof(Inputs))]
    public async Task Process_EachType_AnswersTheNotesShapeWithTheRealEngine(string type, string input)
    {
        var (client, _) = await factory.SignInAsync();
        using var response = await client.PostAsJsonAsync($"{Base}/process", new { user_input = input, analysis_type = type });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await factory.ReadJsonAsync(response);
        Assert.Equal(type, body.GetProperty("analysis_type").GetString());
        Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("optimized_prompt").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("analysis_result").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("system_prompt").GetString()));
        foreach (var role in new[] { "prompt_optimizer", "analyzer" })
        {
            var service = body.GetProperty("services_used").GetProperty(role);
            Assert.False(string.IsNullOrEmpty(service.GetProperty("name").GetString()));
            // No provider configured: the platform's offline engine served, and says which model.
            Assert.Equal("mindstack-local", service.GetProperty("provider").GetString());
            Assert.False(string.IsNullOrEmpty(service.GetProperty("model").GetString()));
        }
        var metadata = body.GetProperty("metadata");
        Assert.Equal(input.Length, metadata.GetProperty("input_length").GetInt32());
        Assert.True(metadata.GetProperty("processing_time_ms").GetInt64() >= 0);
    }

    [Fact]
    public async Task Process_Document_PromptOptimisedAndKeyPointsFromTheEngine()
    {
        var (client, _) = await factory.SignInAsync();
        using var response = await client.PostAsJsonAsync($"{Base}/process",
            new { user_input = "Acme Corp signed a contract with Globex. Jane Smith leads the rollout. The rollout starts in May.", analysis_type = "document" });
        var body = await factory.ReadJsonAsync(response);
        var optimized = body.GetProperty("optimized_prompt").GetString()!;
        Assert.StartsWith("Summarize this document and list its key points", optimized, StringComparison.Ordinal);
        Assert.Contains("Acme Corp signed a contract", optimized, StringComparison.Ordinal);
        Assert.Contains("Key points", body.GetProperty("analysis_result").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Process_Seo_IncludesComputedMetrics()
    {
        var (client, _) = await factory.SignInAsync();
        using var response = await client.PostAsJsonAsync($"{Base}/process", new { user_input = SeoText, analysis_type = "seo" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var seo = (await factory.ReadJsonAsync(response)).GetProperty("metadata").GetProperty("seo_metrics");

        Assert.Equal(34, seo.GetProperty("word_count").GetInt32());
        Assert.Equal(4, seo.GetProperty("sentence_count").GetInt32());
        var ease = seo.GetProperty("reading_ease").GetDouble();
        Assert.InRange(ease, 0, 100);
        Assert.False(string.IsNullOrEmpty(seo.GetProperty("reading_level").GetString()));
        // "panels" and "solar" appear 4 times each in 34 words; ties are alphabetical.
        var density = seo.GetProperty("keyword_density");
        Assert.Equal(["panels", "solar"], density.EnumerateArray().Take(2).Select(k => k.GetProperty("keyword").GetString()));
        Assert.All(density.EnumerateArray().Take(2), k =>
        {
            Assert.Equal(4, k.GetProperty("count").GetInt32());
            Assert.Equal(Math.Round(100.0 * 4 / 34, 2), k.GetProperty("density").GetDouble());
        });
        Assert.Equal("H1: Panels: A Complete Guide", seo.GetProperty("heading_suggestions")[0].GetString());
        var meta = seo.GetProperty("meta_description_suggestion").GetString()!;
        Assert.InRange(meta.Length, 1, 155);
        Assert.Equal(meta.Length, seo.GetProperty("meta_description_length").GetInt32());
    }

    [Fact]
    public async Task Process_CryptoWithoutPriceSource_SaysPlainlyNoneIsConfigured()
    {
        var (client, _) = await factory.SignInAsync();
        using var response = await client.PostAsJsonAsync($"{Base}/process",
            new { user_input = "Should I worry about bitcoin volatility?", analysis_type = "crypto" });
        var body = await factory.ReadJsonAsync(response);
        Assert.StartsWith("No live price source is configured", body.GetProperty("analysis_result").GetString(), StringComparison.Ordinal);
        var crypto = body.GetProperty("metadata").GetProperty("crypto");
        Assert.Equal(JsonValueKind.Null, crypto.GetProperty("price_source").ValueKind);
        Assert.False(crypto.GetProperty("live_prices").GetBoolean());
    }

    [Fact]
    public async Task Process_DefaultType_IsCrypto()
    {
        var (client, _) = await factory.SignInAsync();
        using var response = await client.PostAsJsonAsync($"{Base}/process", new { user_input = "ethereum fees" });
        Assert.Equal("crypto", (await factory.ReadJsonAsync(response)).GetProperty("analysis_type").GetString());
    }

    [Fact]
    public async Task Analyze_Legacy_AnswersOptimizedPromptAndAnalysis()
    {
        var (client, _) = await factory.SignInAsync();
        using var response = await client.PostAsJsonAsync($"{Base}/analyze", new { user_input = "Is solana a good long-term bet?" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await factory.ReadJsonAsync(response);
        Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("optimized_prompt").GetString()));
        Assert.StartsWith("No live price source is configured", body.GetProperty("analysis").GetString(), StringComparison.Ordinal);
        Assert.False(body.TryGetProperty("analysis_type", out _));
    }

    [Fact]
    public async Task Process_Success_CountsOneQueryAndLogsTheCall()
    {
        var (client, _) = await factory.SignInAsync();
        using (var response = await client.PostAsJsonAsync($"{Base}/process", new { user_input = "Hello there, how are you?", analysis_type = "chat" }))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        var usage = await factory.ReadJsonAsync(await client.GetAsync($"{Base}/me/usage"));
        Assert.Equal(1, usage.GetProperty("queries_used").GetInt32());
        Assert.Equal(9, usage.GetProperty("remaining_queries").GetInt32());

        var logs = await factory.ReadJsonAsync(await client.GetAsync($"{Base}/query-logs"));
        var log = Assert.Single(logs.GetProperty("logs").EnumerateArray());
        Assert.Equal("Hello there, how are you?", log.GetProperty("user_input").GetString());
        Assert.True(log.GetProperty("success").GetBoolean());
        Assert.True(log.GetProperty("response_time_ms").GetInt64() >= 0);
    }

    public static TheoryData<string, string> InvalidBodies() => new()
    {
        { "unknown type", """{"user_input":"hello","analysis_type":"poetry"}""" },
        { "oversize input", JsonSerializer.Serialize(new { user_input = new string('a', 5001), analysis_type = "chat" }) },
        { "empty input", """{"user_input":"","analysis_type":"chat"}""" },
        { "whitespace input", """{"user_input":"   \n\t ","analysis_type":"chat"}""" },
        { "missing input", """{"analysis_type":"chat"}""" },
        { "wrong json type", """{"user_input":42}""" },
        { "not json", "user_input=hello" },
        { "nul character", """{"user_input":"hello\u0000world","analysis_type":"chat"}""" },
    };

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public async Task Process_InvalidBody_422InvalidInputAndNotCharged(string why, string json)
    {
        var (client, _) = await factory.SignInAsync();
        using var response = await client.PostAsync($"{Base}/process", new StringContent(json, Encoding.UTF8, "application/json"));
        var error = await factory.ErrorAsync(response, HttpStatusCode.UnprocessableEntity, "INVALID_INPUT");
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()), why);
        var usage = await factory.ReadJsonAsync(await client.GetAsync($"{Base}/me/usage"));
        Assert.Equal(0, usage.GetProperty("queries_used").GetInt32());
    }

    [Fact]
    public async Task Process_InputOf5000Chars_Accepted()
    {
        var (client, _) = await factory.SignInAsync();
        var input = string.Join(' ', Enumerable.Repeat("word", 1001))[..5000];
        using var response = await client.PostAsJsonAsync($"{Base}/process", new { user_input = input, analysis_type = "custom" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Process_InputOf5000Emoji_AcceptedAsTheOriginalCountedCharacters()
    {
        // 5000 code points (10,000 UTF-16 units): within the limit, as pydantic counts.
        var (client, _) = await factory.SignInAsync();
        var input = string.Concat(Enumerable.Repeat("\U0001F600", 5000));
        using var response = await client.PostAsJsonAsync($"{Base}/process", new { user_input = input, analysis_type = "custom" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        using var over = await client.PostAsJsonAsync($"{Base}/process", new { user_input = input + "a", analysis_type = "custom" });
        await factory.ErrorAsync(over, HttpStatusCode.UnprocessableEntity, "INVALID_INPUT");
    }

    [Fact]
    public async Task Process_EmojiAtTheLogExcerptCut_AnsweredAndLoggedWholeOnce()
    {
        // The 100th UTF-16 unit is the first half of an emoji: the excerpt must not split it
        // (PostgreSQL refused the lone half, which made the call a 500 after it was charged).
        var (client, _) = await factory.SignInAsync();
        var input = new string('a', 99) + "\U0001F600 and more text after the cut";
        using var response = await client.PostAsJsonAsync($"{Base}/process", new { user_input = input, analysis_type = "chat" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var usage = await factory.ReadJsonAsync(await client.GetAsync($"{Base}/me/usage"));
        Assert.Equal(1, usage.GetProperty("queries_used").GetInt32());
        var logs = await factory.ReadJsonAsync(await client.GetAsync($"{Base}/query-logs"));
        var log = Assert.Single(logs.GetProperty("logs").EnumerateArray());
        Assert.Equal(new string('a', 99) + "...", log.GetProperty("user_input").GetString());
    }

    [Theory]
    [InlineData("/process")]
    [InlineData("/analyze")]
    public async Task Processing_NoCookie_401HttpException(string path)
    {
        using var response = await factory.SendRawAsync(HttpMethod.Post, Base + path, """{"user_input":"hello","analysis_type":"chat"}""");
        await factory.ErrorAsync(response, HttpStatusCode.Unauthorized, "HTTP_EXCEPTION");
    }

    [Fact]
    public async Task Process_ForgedCookie_401AuthenticationFailed()
    {
        using var response = await factory.SendRawAsync(HttpMethod.Post, $"{Base}/process", """{"user_input":"hello"}""",
            h => h.Add("Cookie", "pm_session=not-a-real-session"));
        await factory.ErrorAsync(response, HttpStatusCode.Unauthorized, "AUTHENTICATION_FAILED");
    }

    [Fact]
    public async Task Process_BodyOver1MB_413RequestTooLarge()
    {
        var (client, _) = await factory.SignInAsync();
        var json = JsonSerializer.Serialize(new { user_input = new string('x', 1024 * 1024 + 10), analysis_type = "chat" });
        using var response = await client.PostAsync($"{Base}/process", new StringContent(json, Encoding.UTF8, "application/json"));
        await factory.ErrorAsync(response, HttpStatusCode.RequestEntityTooLarge, "REQUEST_TOO_LARGE");
    }

    [Fact]
    public async Task Process_WrongMethod_405HttpException()
    {
        using var response = await factory.SendRawAsync(HttpMethod.Get, $"{Base}/process");
        await factory.ErrorAsync(response, HttpStatusCode.MethodNotAllowed, "HTTP_EXCEPTION");
    }
}
