using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Mindstack.Platform.Ai;
using Mindstack.Platform.Http;

namespace Mindstack.Platform.Tests.Ai;

/// <summary>The OpenAI-compatible engine over real HTTP against a loopback stand-in of the provider.</summary>
public sealed class OpenAiEngineTests : IAsyncLifetime
{
    private FakeOpenAiServer _server = null!;
    private AiServices _services = null!;

    private IAiEngine Ai => _services.Engine;

    public async Task InitializeAsync()
    {
        _server = await FakeOpenAiServer.StartAsync();
        _services = Configure();
    }

    public async Task DisposeAsync()
    {
        _services.Dispose();
        await _server.DisposeAsync();
    }

    private AiServices Configure(params (string Key, string Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Mindstack:Ai:Provider"] = "openai",
            ["Mindstack:Ai:BaseUrl"] = _server.BaseUrl,
            ["Mindstack:Ai:ApiKey"] = "sk-test-key",
            ["Mindstack:Ai:Model"] = "fake-chat",
            ["Mindstack:Ai:MaxRetries"] = "2",
            ["Mindstack:Ai:RetryBaseDelayMilliseconds"] = "10",
            ["Mindstack:Ai:TimeoutSeconds"] = "10",
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }
        _services?.Dispose();
        return _services = new AiServices(settings);
    }

    [Fact]
    public async Task Complete_OpenAi_SendsModelMessagesAndKey_ReturnsTextAndUsage()
    {
        _server.ThenChat(FakeOpenAiServer.Reply("Hello from the model.", promptTokens: 21, completionTokens: 5));

        var result = await Ai.CompleteAsync([AiMessage.System("Be brief."), AiMessage.User("Say hello.")], new AiCallOptions { Temperature = 0.2 });

        Assert.Equal("Hello from the model.", result.Value.Text);
        Assert.Equal("stop", result.Value.FinishReason);
        Assert.Equal(new AiUsage(AiOperation.Complete, "openai", "fake-model", 21, 5, result.Usage.Latency, Estimated: false), result.Usage);
        var request = Assert.Single(_server.Requests);
        Assert.Equal("/v1/chat/completions", request.Path);
        Assert.Equal("Bearer sk-test-key", request.Authorization);
        Assert.Equal("fake-chat", request.Body.GetProperty("model").GetString());
        Assert.Equal(0.2, request.Body.GetProperty("temperature").GetDouble());
        var messages = request.Body.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(["system", "user"], messages.Select(m => m.GetProperty("role").GetString()));
        Assert.Equal("Say hello.", messages[1].GetProperty("content").GetString());
    }

    [Fact]
    public async Task Complete_429ThenSuccess_RetriedAfterBackoff()
    {
        _server.ThenChat(FakeOpenAiServer.Fail(429, "rate limited", retryAfter: "0"), FakeOpenAiServer.Reply("made it"));

        var result = await Ai.CompleteAsync([AiMessage.User("hi there, model")]);

        Assert.Equal("made it", result.Value.Text);
        Assert.Equal(2, result.Usage.Attempts);
        Assert.Equal(2, _server.ChatRequests.Count);
    }

    [Fact]
    public async Task Complete_429WithRetryAfter_WaitsThatLongThenSucceeds()
    {
        // The backoff alone would retry after 10 ms: only Retry-After makes the call wait a second.
        _server.ThenChat(FakeOpenAiServer.Fail(429, "slow down", retryAfter: "1"), FakeOpenAiServer.Reply("after the wait"));
        var started = TimeProvider.System.GetTimestamp();

        var result = await Ai.CompleteAsync([AiMessage.User("hello after a throttle")]);

        Assert.Equal("after the wait", result.Value.Text);
        Assert.Equal(2, result.Usage.Attempts);
        Assert.Equal(2, _server.ChatRequests.Count);
        Assert.True(TimeProvider.System.GetElapsedTime(started) >= TimeSpan.FromMilliseconds(950), "the retry came before Retry-After had passed");
    }

    [Fact]
    public async Task Complete_OllamaAndVllmErrorShapes_ProviderMessageInTheProblem()
    {
        _server.ThenChat(
            (context, _) =>
            {
                context.Response.StatusCode = 404;
                return context.Response.WriteAsJsonAsync(new { error = "model \"llama9\" not found, try pulling it first" });
            },
            (context, _) =>
            {
                context.Response.StatusCode = 400;
                return context.Response.WriteAsJsonAsync(new { @object = "error", message = "This model's maximum context length is 4096 tokens.", type = "BadRequestError", code = 400 });
            });

        var ollama = await Assert.ThrowsAsync<Problem>(() => Ai.CompleteAsync([AiMessage.User("hello")]));
        var vllm = await Assert.ThrowsAsync<Problem>(() => Ai.CompleteAsync([AiMessage.User("hello")]));

        Assert.Equal(("model \"llama9\" not found, try pulling it first", 404), (Assert.IsType<AiProblemDetails>(ollama.Details).Reason, Assert.IsType<AiProblemDetails>(ollama.Details).Status));
        Assert.Equal(("This model's maximum context length is 4096 tokens.", 400), (Assert.IsType<AiProblemDetails>(vllm.Details).Reason, Assert.IsType<AiProblemDetails>(vllm.Details).Status));
        Assert.Equal(2, _server.ChatRequests.Count);
    }

    [Fact]
    public async Task Complete_500Exhausted_UpstreamFailedAfterEveryAttempt()
    {
        _server.ThenChat(FakeOpenAiServer.Fail(500, "model overloaded"), FakeOpenAiServer.Fail(502), FakeOpenAiServer.Fail(500, "model overloaded"));

        var problem = await Assert.ThrowsAsync<Problem>(() => Ai.CompleteAsync([AiMessage.User("hello")]));

        Assert.Equal(ProblemKind.UpstreamFailed, problem.Kind);
        Assert.Contains("model overloaded", problem.Message);
        Assert.DoesNotContain("sk-test-key", problem.Message);
        var details = Assert.IsType<AiProblemDetails>(problem.Details);
        Assert.Equal((500, 3, "openai"), (details.Status, details.Attempts, details.Provider));
        Assert.Equal(3, _server.ChatRequests.Count);
    }

    [Fact]
    public async Task Complete_Unauthorized_NotRetried()
    {
        _server.ThenChat(FakeOpenAiServer.Fail(401, "Incorrect API key provided"));

        var problem = await Assert.ThrowsAsync<Problem>(() => Ai.CompleteAsync([AiMessage.User("hello")]));

        Assert.Equal(ProblemKind.UpstreamFailed, problem.Kind);
        Assert.Equal(401, Assert.IsType<AiProblemDetails>(problem.Details).Status);
        Assert.Single(_server.ChatRequests);
    }

    [Fact]
    public async Task Complete_ProviderTooSlow_TimesOutAsUpstreamFailed()
    {
        Configure(("Mindstack:Ai:TimeoutSeconds", "0.3"), ("Mindstack:Ai:MaxRetries", "1"));
        var slow = FakeOpenAiServer.Slow(TimeSpan.FromSeconds(20), FakeOpenAiServer.Reply("too late"));
        _server.ThenChat(slow, slow);

        var problem = await Assert.ThrowsAsync<Problem>(() => Ai.CompleteAsync([AiMessage.User("hello")]));

        Assert.Equal(ProblemKind.UpstreamFailed, problem.Kind);
        Assert.Contains("no answer within 0.3 s", problem.Message);
        Assert.Equal(2, Assert.IsType<AiProblemDetails>(problem.Details).Attempts);
    }

    [Fact]
    public async Task Complete_ProviderUnreachable_UpstreamFailed()
    {
        Configure(("Mindstack:Ai:BaseUrl", "http://127.0.0.1:1"), ("Mindstack:Ai:MaxRetries", "1"));

        var problem = await Assert.ThrowsAsync<Problem>(() => Ai.CompleteAsync([AiMessage.User("hello")]));

        Assert.Equal(ProblemKind.UpstreamFailed, problem.Kind);
        Assert.Contains("connection failed", problem.Message);
    }

    [Fact]
    public async Task Stream_OpenAi_SseChunksReassembledWithProviderUsage()
    {
        _server.ThenChat(FakeOpenAiServer.Stream("Hel", "lo, ", "wor", "ld!"));

        var events = new List<AiStreamEvent>();
        await foreach (var item in Ai.StreamAsync([AiMessage.User("greet me")]))
        {
            events.Add(item);
        }

        Assert.Equal(["Hel", "lo, ", "wor", "ld!"], events.Where(e => !e.IsFinal).Select(e => e.Delta));
        Assert.Equal("Hello, world!", string.Concat(events.Select(e => e.Delta)));
        var final = events[^1];
        Assert.Equal("stop", final.FinishReason);
        Assert.Equal((5, 4, false, "fake-model"), (final.Usage!.InputTokens, final.Usage.OutputTokens, final.Usage.Estimated, final.Usage.Model));
        var request = Assert.Single(_server.ChatRequests).Body;
        Assert.True(request.GetProperty("stream").GetBoolean());
        Assert.True(request.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
    }

    [Fact]
    public async Task Stream_503BeforeFirstChunk_RetriedThenStreams()
    {
        _server.ThenChat(FakeOpenAiServer.Fail(503), FakeOpenAiServer.Stream("second ", "try"));

        var text = "";
        await foreach (var item in Ai.StreamAsync([AiMessage.User("go")]))
        {
            text += item.Delta;
        }

        Assert.Equal("second try", text);
        Assert.Equal(2, _server.ChatRequests.Count);
    }

    public sealed record Ticket(string Category, int Priority, List<string> Tags);

    [Fact]
    public async Task Structured_InvalidJsonOnceThenValid_RetriedOnceWithTheErrors()
    {
        _server.ThenChat(
            FakeOpenAiServer.Reply("Sure! Here it is: {\"category\": \"billing\", \"priority\": ", 30, 10),
            FakeOpenAiServer.Reply("```json\n{\"category\": \"billing\", \"priority\": 2, \"tags\": [\"refund\"]}\n```", 50, 12));

        var result = await Ai.StructuredAsync<Ticket>([AiMessage.User("I was charged twice, please refund me.")]);

        Assert.Equal(("billing", 2), (result.Value.Category, result.Value.Priority));
        Assert.Equal(["refund"], result.Value.Tags);
        Assert.Equal((2, 80, 22), (result.Usage.Attempts, result.Usage.InputTokens, result.Usage.OutputTokens));
        var requests = _server.ChatRequests;
        Assert.Equal(2, requests.Count);
        var format = requests[0].Body.GetProperty("response_format");
        Assert.Equal("json_schema", format.GetProperty("type").GetString());
        Assert.Equal("Ticket", format.GetProperty("json_schema").GetProperty("name").GetString());
        Assert.Equal("object", format.GetProperty("json_schema").GetProperty("schema").GetProperty("type").GetString());
        var retry = requests[1].Body.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(["user", "assistant", "user"], retry.Select(m => m.GetProperty("role").GetString()));
        Assert.Contains("not JSON", retry[2].GetProperty("content").GetString());
    }

    [Fact]
    public async Task Structured_SchemaViolationTwice_UpstreamFailed()
    {
        _server.ThenChat(FakeOpenAiServer.Reply("{\"category\": 3}"), FakeOpenAiServer.Reply("{\"category\": \"x\"}"));

        var problem = await Assert.ThrowsAsync<Problem>(() => Ai.StructuredAsync<Ticket>([AiMessage.User("classify this")]));

        Assert.Equal(ProblemKind.UpstreamFailed, problem.Kind);
        Assert.Contains("invalid structured output twice", problem.Message);
        Assert.Contains("required", problem.Message);
        Assert.Equal(2, _server.ChatRequests.Count);
    }

    [Fact]
    public async Task Sentiment_OpenAi_FromTheModelsStructuredAnswer()
    {
        _server.ThenChat(FakeOpenAiServer.Reply("{\"label\":\"negative\",\"score\":-0.8,\"confidence\":0.9}"));

        var result = await Ai.SentimentAsync(Samples.NegativeReview);

        Assert.Equal((AiSentiment.NegativeLabel, -0.8, 0.9), (result.Value.Label, result.Value.Score, result.Value.Confidence));
        Assert.Equal(AiOperation.Sentiment, result.Usage.Operation);
        Assert.Equal("openai", result.Usage.Provider);
        var schema = _server.ChatRequests[0].Body.GetProperty("response_format").GetProperty("json_schema").GetProperty("schema");
        Assert.Equal(4, schema.GetProperty("properties").GetProperty("label").GetProperty("enum").GetArrayLength());
    }

    [Fact]
    public async Task Classify_OpenAi_ScoresForEveryLabelNormalized()
    {
        _server.ThenChat(FakeOpenAiServer.Reply("{\"scores\":[{\"label\":\"billing\",\"score\":0.6},{\"label\":\"technical\",\"score\":0.2}]}"));

        var result = (await Ai.ClassifyAsync("charged twice", AiLabel.Of("billing", "technical", "shipping"))).Value;

        Assert.Equal("billing", result.Label);
        Assert.Equal(0.75, result.Confidence, 3);
        Assert.Equal(["billing", "technical", "shipping"], result.Scores.Select(s => s.Label));
        Assert.Equal(0, result.Scores[2].Score);
    }

    [Fact]
    public async Task Plan_OpenAi_TasksKeptUnknownDependenciesDropped()
    {
        _server.ThenChat(FakeOpenAiServer.Reply("""
            {"intent":"write","tasks":[
              {"id":"t1","title":"Outline","description":"d","intent":"write","depends_on":[],"estimate_minutes":20,"capability":"docs"},
              {"id":"t2","title":"Draft","description":"d","intent":"write","depends_on":["t1","t9"],"estimate_minutes":60,"capability":"docs"},
              {"id":"t3","title":"Find images","description":"d","intent":"research","depends_on":["t1"],"estimate_minutes":30,"capability":"web_search"}]}
            """));

        var plan = (await Ai.PlanAsync("Write a launch post by Friday")).Value;

        Assert.Equal(["t1"], plan.Tasks[1].DependsOn);
        Assert.Equal(110, plan.TotalEstimateMinutes);
        Assert.Equal(80, plan.CriticalPathMinutes);
        Assert.Equal([AiIntents.Write, AiIntents.Research], plan.Intents);
        Assert.Contains(plan.Constraints, c => c.Kind == "deadline");
    }

    [Fact]
    public async Task Translate_OpenAi_TranslationFromTheModel()
    {
        _server.ThenChat(FakeOpenAiServer.Reply("Bonjour tout le monde"));

        var result = (await Ai.TranslateAsync("Hello everyone, and welcome to the team", "French")).Value;

        Assert.Equal(new AiTranslation("Bonjour tout le monde", "en", "French"), result);
        Assert.Contains("into French", _server.ChatRequests[0].Body.GetProperty("messages")[0].GetProperty("content").GetString());
    }

    [Fact]
    public async Task Embed_WithEmbeddingModel_RemoteUnitVectors()
    {
        Configure(("Mindstack:Ai:Models:Embed", "fake-embed"));

        var result = await Ai.EmbedAsync(["first text", "second, longer text"]);

        Assert.Equal((8, 2), (result.Value.Dimensions, result.Value.Vectors.Count));
        Assert.All(result.Value.Vectors, v => Assert.Equal(1, Math.Sqrt(v.Sum(x => (double)x * x)), 4));
        Assert.Equal(("openai", "fake-embed", false), (result.Usage.Provider, result.Usage.Model, result.Usage.Estimated));
        var request = Assert.Single(_server.Requests);
        Assert.Equal("/v1/embeddings", request.Path);
        Assert.Equal(["first text", "second, longer text"], request.Body.GetProperty("input").EnumerateArray().Select(i => i.GetString()));
    }

    [Fact]
    public async Task Embed_WithoutEmbeddingModel_LocalEngineAndNoRequest()
    {
        var result = await Ai.EmbedAsync(["first text"]);

        Assert.Equal(AiProviders.Local, result.Usage.Provider);
        Assert.Equal(384, result.Value.Dimensions);
        Assert.Empty(_server.Requests);
        Assert.False(_services.Routing.Describe()[AiOperation.Embed].Remote);
    }

    [Fact]
    public async Task Moderate_OpenAiProvider_LocalByDefaultRemoteWhenRouted()
    {
        var local = await Ai.ModerateAsync(Samples.Toxic);
        Assert.Equal(AiProviders.Local, local.Usage.Provider);
        Assert.Empty(_server.Requests);

        Configure(("Mindstack:Ai:Routes:Moderate", "remote"));
        _server.ThenChat(FakeOpenAiServer.Reply("{\"categories\":{\"harassment\":0.97,\"hate\":0.1,\"sexual\":0,\"violence\":0.2,\"self-harm\":0,\"spam\":0}}"));
        var remote = await Ai.ModerateAsync(Samples.Toxic);

        Assert.Equal("openai", remote.Usage.Provider);
        Assert.Equal(["harassment"], remote.Value.FlaggedCategories);
    }

    [Fact]
    public async Task RouteLocal_ConfiguredForSummarize_NoRequest()
    {
        Configure(("Mindstack:Ai:Routes:Summarize", "local"));

        var result = await Ai.SummarizeAsync(Samples.News);

        Assert.Equal(AiProviders.Local, result.Usage.Provider);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task CallOptions_CallersOwnProvider_UsesTheirKeyServerAndModel()
    {
        Configure(("Mindstack:Ai:Provider", "local"));
        var own = new AiProviderOverride("mistral", _server.BaseUrl + "/v1", "sk-users-own-key", "users-model");
        _server.ThenChat(FakeOpenAiServer.Reply("Résumé : la BCE relève ses taux."));

        var result = await Ai.SummarizeAsync(Samples.News, options: new AiCallOptions { Provider = own });
        var withoutKey = await Ai.SummarizeAsync(Samples.News);

        Assert.Equal("Résumé : la BCE relève ses taux.", result.Value.Text);
        Assert.Equal("mistral", result.Usage.Provider);
        var request = Assert.Single(_server.ChatRequests);
        Assert.Equal("Bearer sk-users-own-key", request.Authorization);
        Assert.Equal("users-model", request.Body.GetProperty("model").GetString());
        Assert.Equal(AiProviders.Local, withoutKey.Usage.Provider);
        Assert.Equal("mistral", _services.Routing.Describe(new AiCallOptions { Provider = own })[AiOperation.Summarize].Provider);
    }

    [Fact]
    public void Describe_OpenAiConfigured_ProviderAndModelForEachOperation()
    {
        Configure(("Mindstack:Ai:Models:Plan", "fake-planner"));

        var routing = _services.Routing.Describe();

        Assert.Equal("openai", routing.Provider);
        Assert.Equal(_server.BaseUrl + "/v1", routing.BaseUrl);
        Assert.Equal(Enum.GetValues<AiOperation>().Length, routing.Routes.Count);
        Assert.Equal(("openai", "fake-chat", true), (routing[AiOperation.Complete].Provider, routing[AiOperation.Complete].Model, routing[AiOperation.Complete].Remote));
        Assert.Equal("fake-planner", routing[AiOperation.Plan].Model);
        Assert.Equal(AiProviders.Local, routing[AiOperation.Embed].Provider);
        Assert.Equal(AiProviders.Local, routing[AiOperation.Moderate].Provider);
        Assert.Equal(AiProviders.Local, routing[AiOperation.DetectGenerated].Provider);
        Assert.True(routing[AiOperation.Translate].Remote);
    }

    [Fact]
    public async Task Check_ProviderAnswersModels_Healthy()
    {
        var health = await _services.Routing.CheckAsync();

        Assert.True(health.Healthy, health.Detail);
    }

    [Fact]
    public async Task Check_ProviderUnreachable_UnhealthyWithReason()
    {
        Configure(("Mindstack:Ai:BaseUrl", "http://127.0.0.1:1"));

        var health = await _services.Routing.CheckAsync();

        Assert.False(health.Healthy);
        Assert.Contains("unreachable", health.Detail);
    }

    [Fact]
    public void Options_OpenAiWithoutBaseUrl_RefusedWithTheReason()
    {
        using var services = new AiServices(new Dictionary<string, string?> { ["Mindstack:Ai:Provider"] = "openai", ["Mindstack:Ai:Model"] = "m" });

        var error = Assert.Throws<OptionsValidationException>(() => services.Engine);

        Assert.Contains("Mindstack:Ai:BaseUrl", error.Message);
    }
}
