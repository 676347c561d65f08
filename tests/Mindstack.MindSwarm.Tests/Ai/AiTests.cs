using System.Net;
using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace Mindstack.MindSwarm.Tests.Ai;

/// <summary>An OpenAI-compatible provider on loopback, and a server whose <c>openai</c> keys are used there.</summary>
public sealed class AiStandIn : IAsyncLifetime
{
    public const string ReplyText = "Thanks for sharing this, the offline engine idea is a good one.";

    public AiStandIn()
    {
        Provider = new LoopbackReceiver(request => Task.FromResult((200, request.Path.EndsWith("/chat/completions", StringComparison.Ordinal)
            ? JsonSerializer.Serialize(new
            {
                id = "chatcmpl-1",
                @object = "chat.completion",
                model = "stand-in-model",
                choices = new[] { new { index = 0, message = new { role = "assistant", content = ReplyText }, finish_reason = "stop" } },
                usage = new { prompt_tokens = 40, completion_tokens = 12, total_tokens = 52 },
            })
            : "{}")));
        Swarm = new MindSwarmFactory();
        Swarm.WithSetting("Mindstack:MindSwarm:Ai:Providers:openai:BaseUrl", Provider.Url("/v1"));
    }

    public LoopbackReceiver Provider { get; }

    public MindSwarmFactory Swarm { get; }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await Swarm.DisposeAsync();
        await Provider.DisposeAsync();
    }
}

public sealed class AiTests(AiStandIn standIn) : IClassFixture<AiStandIn>
{
    private static readonly Tokenizer Cl100k = TiktokenTokenizer.CreateForEncoding("cl100k_base");

    private MindSwarmFactory Factory => standIn.Swarm;

    [Fact]
    public async Task AiReply_OwnProviderKey_SentToProviderAndReplyPostedAsAiGenerated()
    {
        const string secret = "sk-own-provider-key-0123456789abcdef";
        var author = await Factory.RegisterAsync();
        var user = await Factory.RegisterAsync();
        var parent = await author.PostAsync(new { content = "Offline engines for social networks: good idea or not?" });
        var parentId = parent.GetProperty("_id").GetString()!;

        using (var created = await user.SendAsync(HttpMethod.Post, "/api/ai/keys", new { name = "Mine", provider = "openai", key = secret }))
        {
            var text = await created.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }
        var keyId = await KeyIdAsync(user);

        var reply = await user.PostDataAsync("/api/ai/reply", new { postId = parentId, apiKeyId = keyId, temperature = 0.5 }, HttpStatusCode.Created);
        var post = reply.GetProperty("post");
        Assert.Equal(AiStandIn.ReplyText, post.GetProperty("content").GetString());
        Assert.True(post.GetProperty("isAiGenerated").GetBoolean());
        Assert.Equal(keyId, reply.GetProperty("apiKeyId").GetString());
        Assert.Equal("stand-in-model", reply.GetProperty("model").GetString());
        Assert.Equal(Cl100k.CountTokens(AiStandIn.ReplyText), reply.GetProperty("usage").GetProperty("outputTokens").GetInt32());

        var call = standIn.Provider.On("/v1/chat/completions").Last();
        Assert.Equal("Bearer " + secret, call.Header("Authorization"));
        Assert.Contains("Offline engines for social networks", call.Text, StringComparison.Ordinal);

        // Through the posts service: the parent counts it and lists it.
        var replies = await author.GetDataAsync($"/api/posts/{parentId}/replies");
        Assert.Contains(replies.GetProperty("replies").EnumerateArray(), r => r.GetProperty("content").GetString() == AiStandIn.ReplyText);
        Assert.Equal(1, (await author.GetDataAsync($"/api/posts/{parentId}")).GetProperty("post").GetProperty("replyCount").GetInt32());

        // The key is never shown again: masked in the list, not in any answer.
        using var listed = await user.SendAsync(HttpMethod.Get, "/api/ai/keys");
        var listText = await listed.Content.ReadAsStringAsync();
        Assert.DoesNotContain(secret, listText, StringComparison.Ordinal);
        var key = JsonDocument.Parse(listText).RootElement.GetProperty("data").GetProperty("keys")[0];
        Assert.Equal("sk-••••••••cdef", key.GetProperty("maskedKey").GetString());
        Assert.True(key.GetProperty("isDefault").GetBoolean());
        Assert.NotEqual(JsonValueKind.Null, key.GetProperty("lastUsedAt").ValueKind);

        var usage = await user.GetDataAsync("/api/ai/usage?keyId=" + keyId);
        Assert.Equal(1, usage.GetProperty("totalRequests").GetInt32());
        Assert.Equal("openai", usage.GetProperty("usage")[0].GetProperty("provider").GetString());
    }

    [Fact]
    public async Task CreateKey_SixthKey_Refused400()
    {
        var user = await Factory.RegisterAsync();
        for (var i = 0; i < 5; i++)
        {
            await user.PostDataAsync("/api/ai/keys", new { label = "k" + i, provider = "mistral", apiKey = $"mistral-key-{i}-0123456789" },
                HttpStatusCode.Created);
        }
        await user.ErrorAsync(HttpMethod.Post, "/api/ai/keys", new { name = "sixth", provider = "openai", key = "sk-sixth-0123456789" },
            HttpStatusCode.BadRequest, "AI_KEY_LIMIT_REACHED");
        await user.ErrorAsync(HttpMethod.Post, "/api/ai/keys", new { provider = "nobody", key = "x" }, HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        var keys = await user.GetDataAsync("/api/ai/keys");
        Assert.Equal(5, keys.GetProperty("total").GetInt32());

        var first = keys.GetProperty("keys")[0].GetProperty("id").GetString()!;
        var second = keys.GetProperty("keys")[1].GetProperty("id").GetString()!;
        var updated = await user.PutDataAsync("/api/ai/keys/" + second, new { name = "renamed", isDefault = true });
        Assert.Equal("renamed", updated.GetProperty("key").GetProperty("name").GetString());
        keys = await user.GetDataAsync("/api/ai/keys");
        Assert.Single(keys.GetProperty("keys").EnumerateArray(), k => k.GetProperty("isDefault").GetBoolean());
        await user.DataAsync(HttpMethod.Delete, "/api/ai/keys/" + first);
        await user.PostDataAsync("/api/ai/keys", new { provider = "openai", key = "sk-fifth-again-0123456789" }, HttpStatusCode.Created);
        // Provider keys are JWT only (the document's denylist): an app key of the owner is refused.
        var app = await user.PostDataAsync("/api/developer/apps", new { name = "Key Bot", description = "Tries provider keys" }, HttpStatusCode.Created);
        var bot = user.WithKey(app.GetProperty("apiKey").GetString()!);
        await bot.ErrorAsync(HttpMethod.Get, "/api/ai/keys", null, HttpStatusCode.Forbidden, "API_KEY_FORBIDDEN_ON_PATH");
        await bot.ErrorAsync(HttpMethod.Delete, "/api/ai/keys/" + second, null, HttpStatusCode.Forbidden, "API_KEY_FORBIDDEN_ON_PATH");
        var stranger = await Factory.RegisterAsync();
        await stranger.ErrorAsync(HttpMethod.Delete, "/api/ai/keys/" + second, null, HttpStatusCode.NotFound, "AI_KEY_NOT_FOUND");
    }

    [Fact]
    public async Task Tool_EachToolOnBuiltInEngine_AnswersAndCountsTokens()
    {
        var user = await Factory.RegisterAsync();
        const string text = "The new library opened downtown this week. Visitors loved the bright reading rooms and the friendly staff. "
            + "The city plans to extend opening hours next month because demand has been wonderful.";
        foreach (var tool in new[] { "summarize", "explain", "sentiment", "keypoints" })
        {
            var result = await user.PostDataAsync("/api/ai/tool", new { content = text, tool });
            Assert.Equal(tool, result.GetProperty("tool").GetString());
            Assert.Equal("mindstack-local", result.GetProperty("provider").GetString());
            Assert.False(string.IsNullOrWhiteSpace(result.GetProperty("result").GetString()));
            Assert.Equal(Cl100k.CountTokens(text), result.GetProperty("usage").GetProperty("inputTokens").GetInt32());
            Assert.Equal(Cl100k.CountTokens(result.GetProperty("result").GetString()!), result.GetProperty("usage").GetProperty("outputTokens").GetInt32());
        }
        var sentiment = await user.PostDataAsync("/api/ai/tool", new { content = text, action = "sentiment" });
        Assert.Equal("positive", sentiment.GetProperty("result").GetString());
        var points = await user.PostDataAsync("/api/ai/tool", new { content = text, tool = "keypoints" });
        Assert.True(points.GetProperty("points").GetArrayLength() > 0);
        // The built-in engine cannot translate, and says what would.
        var untranslated = await user.ErrorAsync(HttpMethod.Post, "/api/ai/tool", new { content = text, tool = "translate", targetLanguage = "fr" },
            HttpStatusCode.ServiceUnavailable, "SERVICE_NOT_CONFIGURED");
        Assert.Contains("Mindstack:Ai:BaseUrl", untranslated.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Contains("POST /api/ai/keys", untranslated.GetProperty("error").GetString(), StringComparison.Ordinal);
        await user.ErrorAsync(HttpMethod.Post, "/api/ai/tool", new { content = text, tool = "rewrite" }, HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        await user.ErrorAsync(HttpMethod.Post, "/api/ai/tool", new { content = "", tool = "summarize" }, HttpStatusCode.BadRequest, "VALIDATION_ERROR");
        await Factory.Anonymous().ErrorAsync(HttpMethod.Post, "/api/ai/tool", new { content = text, tool = "summarize" }, HttpStatusCode.Unauthorized);

        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var usage = await user.GetDataAsync($"/api/ai/usage?startDate={today}&endDate={today}");
        Assert.Equal(6, usage.GetProperty("totalRequests").GetInt32());
        var day = Assert.Single(usage.GetProperty("usage").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, day.GetProperty("keyId").ValueKind);
        Assert.Equal(usage.GetProperty("totalTokens").GetInt32(), day.GetProperty("totalTokens").GetInt32());
        Assert.Equal(6 * Cl100k.CountTokens(text), usage.GetProperty("totalInputTokens").GetInt32());
    }

    [Fact]
    public async Task Tool_TranslateWithOwnProviderKey_TranslatedByThatProvider()
    {
        const string secret = "sk-translate-key-0123456789abcdef";
        var user = await Factory.RegisterAsync();
        await user.PostDataAsync("/api/ai/keys", new { name = "Mine", provider = "openai", key = secret }, HttpStatusCode.Created);

        var result = await user.PostDataAsync("/api/ai/tool", new { content = "Bonjour tout le monde", tool = "translate", targetLanguage = "en" });
        Assert.Equal(AiStandIn.ReplyText, result.GetProperty("result").GetString());
        Assert.Equal(("openai", "en"), (result.GetProperty("provider").GetString(), result.GetProperty("language").GetString()));
        Assert.Equal(await KeyIdAsync(user), result.GetProperty("apiKeyId").GetString());
        var call = standIn.Provider.On("/v1/chat/completions").Last(c => c.Text.Contains("Bonjour tout le monde", StringComparison.Ordinal));
        Assert.Equal("Bearer " + secret, call.Header("Authorization"));
        Assert.Contains("into en", call.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tool_TranslateOnOperatorsRemoteProvider_Translated()
    {
        await using var remote = new MindSwarmFactory();
        remote.WithSetting("Mindstack:Ai:Provider", "openai");
        remote.WithSetting("Mindstack:Ai:BaseUrl", standIn.Provider.Url("/v1"));
        remote.WithSetting("Mindstack:Ai:ApiKey", "sk-operator-key");
        remote.WithSetting("Mindstack:Ai:Model", "stand-in-model");
        var user = await remote.RegisterAsync();

        var result = await user.PostDataAsync("/api/ai/tool", new { content = "Hallo zusammen", tool = "translate", language = "fr" });
        Assert.Equal(AiStandIn.ReplyText, result.GetProperty("result").GetString());
        Assert.Equal("fr", result.GetProperty("language").GetString());
        Assert.Equal(JsonValueKind.Null, result.GetProperty("apiKeyId").ValueKind);
        var call = standIn.Provider.On("/v1/chat/completions").Last(c => c.Text.Contains("Hallo zusammen", StringComparison.Ordinal));
        Assert.Equal("Bearer sk-operator-key", call.Header("Authorization"));
        Assert.Contains("into fr", call.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AutoReply_MentionOfUserWithToggleOn_JobRepliesOnce()
    {
        var bot = await Factory.RegisterAsync();
        var fan = await Factory.RegisterAsync();
        var toggled = await bot.PostDataAsync("/api/ai/auto-reply/toggle", new { enabled = true, settings = new { tone = "friendly" } });
        Assert.True(toggled.GetProperty("enabled").GetBoolean());
        Assert.Equal("friendly", toggled.GetProperty("settings").GetProperty("tone").GetString());

        var post = await fan.PostAsync(new { content = $"@{bot.Username} what do you think about reading rooms that open late at night?" });
        var postId = post.GetProperty("_id").GetString()!;
        var replies = await Eventually.UntilAsync(() => fan.GetDataAsync($"/api/posts/{postId}/replies"),
            r => r.GetProperty("replies").GetArrayLength() > 0, "the auto-reply");
        var reply = Assert.Single(replies.GetProperty("replies").EnumerateArray());
        Assert.True(reply.GetProperty("isAiGenerated").GetBoolean());
        Assert.Equal(bot.UserId, reply.GetProperty("author").GetProperty("_id").GetString());
        var usage = await bot.GetDataAsync("/api/ai/usage");
        Assert.Equal(1, usage.GetProperty("totalRequests").GetInt32());

        // Off: the next mention is dispatched (its notification arrives) and no reply is queued.
        await bot.PostDataAsync("/api/ai/auto-reply/toggle", new { enabled = false });
        var quiet = await fan.PostAsync(new { content = $"@{bot.Username} still there?" });
        var quietId = quiet.GetProperty("_id").GetString()!;
        await Eventually.UntilAsync(async () => (await bot.GetDataAsync("/api/notifications?type=mention")).GetProperty("notifications")
            .EnumerateArray().Count(n => n.GetProperty("type").GetString() == "mention"), n => n >= 2, "the second mention's notification");
        await Task.Delay(500);
        Assert.Equal(0, (await fan.GetDataAsync($"/api/posts/{quietId}/replies")).GetProperty("replies").GetArrayLength());
        await bot.ErrorAsync(HttpMethod.Post, "/api/ai/auto-reply/toggle", new { apiKeyId = "nope" }, HttpStatusCode.BadRequest, "VALIDATION_ERROR");
    }

    [Fact]
    public async Task OtherAiRoutes_StatusProvidersModerationAndImages_Answer()
    {
        var user = await Factory.RegisterAsync();
        var status = await Factory.Anonymous().GetDataAsync("/api/ai/site-status");
        Assert.True(status.GetProperty("enabled").GetBoolean());
        var providers = await Factory.Anonymous().GetDataAsync("/api/ai/providers");
        Assert.Equal(["openai", "anthropic", "google", "mistral", "huggingface", "uncensored", "gab"],
            providers.GetProperty("providers").EnumerateArray().Select(p => p.GetProperty("id").GetString()));
        var moderation = await user.PostDataAsync("/api/ai/moderate", new { content = "Have a lovely day, everyone!" });
        Assert.False(moderation.GetProperty("flagged").GetBoolean());
        Assert.True(moderation.GetProperty("categories").EnumerateObject().Any());
        // No image provider configured here: a clear 503, not an invented image.
        var image = await user.ErrorAsync(HttpMethod.Post, "/api/ai/generate-image", new { prompt = "a lighthouse", model = "dall-e-3" },
            HttpStatusCode.ServiceUnavailable);
        Assert.Contains("ImageGeneration", image.GetProperty("error").GetString(), StringComparison.Ordinal);
        // A key of a provider with no known endpoint cannot be used until the operator configures one.
        await user.PostDataAsync("/api/ai/keys", new { provider = "gab", key = "gab-key-0123456789" }, HttpStatusCode.Created);
        await user.ErrorAsync(HttpMethod.Post, "/api/ai/tool", new { content = "Hello there friends", tool = "summarize", provider = "gab" },
            HttpStatusCode.ServiceUnavailable);
    }

    [Fact]
    public async Task OpenApi_AiAndAnalyticsRoutes_Described()
    {
        using var response = await Factory.SendRawAsync(HttpMethod.Get, "/openapi/mindswarm.json");
        var paths = (await SwarmClient.Expect(response, HttpStatusCode.OK)).GetProperty("paths");
        foreach (var (method, path) in new[]
                 {
                     ("get", "/ai/site-status"), ("post", "/ai/tool"), ("post", "/ai/reply"), ("get", "/ai/providers"), ("post", "/ai/keys"),
                     ("get", "/ai/keys"), ("put", "/ai/keys/{keyId}"), ("delete", "/ai/keys/{keyId}"), ("post", "/ai/moderate"),
                     ("post", "/ai/generate-image"), ("post", "/ai/auto-reply/toggle"), ("get", "/ai/usage"),
                     ("get", "/analytics/user/{userId}"), ("get", "/analytics/content/{contentId}"), ("get", "/analytics/dashboard"),
                     ("get", "/analytics/compare"), ("get", "/analytics/insights/{userId}"), ("post", "/analytics/track"),
                     ("post", "/analytics/export"),
                 })
        {
            Assert.True(paths.TryGetProperty("/mindswarm/api" + path, out var item), $"{path} missing");
            Assert.True(item.TryGetProperty(method, out var operation), $"{method} {path} missing");
            Assert.True(operation.GetProperty("responses").EnumerateObject().Any(r => r.Value.TryGetProperty("content", out _)),
                $"{method} {path} has no response schema");
        }
    }

    private static async Task<string> KeyIdAsync(SwarmClient user) =>
        (await user.GetDataAsync("/api/ai/keys")).GetProperty("keys")[0].GetProperty("id").GetString()!;
}
