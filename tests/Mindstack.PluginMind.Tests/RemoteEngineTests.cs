using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Mindstack.PluginMind.Tests;

/// <summary>PluginMind with an OpenAI-compatible provider (a stand-in on loopback).</summary>
public abstract class StandInEngineFactory : PluginMindFactory
{
    protected StandInEngineFactory(FakeUpstreams upstreams)
    {
        Upstreams = upstreams;
        WithSetting("Mindstack:Ai:Provider", "openai");
        WithSetting("Mindstack:Ai:ProviderName", "fakeai");
        WithSetting("Mindstack:Ai:BaseUrl", Upstreams.BaseUrl);
        WithSetting("Mindstack:Ai:Model", FakeUpstreams.Model);
        WithSetting("Mindstack:Ai:MaxRetries", "0");
    }

    public FakeUpstreams Upstreams { get; }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Upstreams.Dispose();
        }
    }
}

/// <summary>The stand-in provider and a live price source (also on loopback).</summary>
public sealed class RemoteEngineFactory : StandInEngineFactory
{
    public RemoteEngineFactory()
        : base(new FakeUpstreams()) => WithSetting("Mindstack:PluginMind:CryptoPriceUrl", Upstreams.PriceUrl);
}

public sealed class RemoteEngineTests(RemoteEngineFactory factory) : IClassFixture<RemoteEngineFactory>
{
    private const string Base = PluginMindFactory.Base;

    [Fact]
    public async Task Process_RemoteProvider_PromptRewrittenByTheModelAndServicesUsedNameIt()
    {
        var (client, _) = await factory.SignInAsync();
        factory.Upstreams.ChatRequests.Clear();
        factory.Upstreams.ThenChat((200, "Write a structured risk review of the contract."), (200, "The contract carries two risks."));

        using var response = await client.PostAsJsonAsync($"{Base}/process", new { user_input = "check this contract for risks", analysis_type = "document" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await factory.ReadJsonAsync(response);
        Assert.Equal("Write a structured risk review of the contract.", body.GetProperty("optimized_prompt").GetString());
        Assert.Equal("The contract carries two risks.", body.GetProperty("analysis_result").GetString());
        foreach (var role in new[] { "prompt_optimizer", "analyzer" })
        {
            var service = body.GetProperty("services_used").GetProperty(role);
            Assert.Equal("fakeai", service.GetProperty("provider").GetString());
            Assert.Equal(FakeUpstreams.Model, service.GetProperty("model").GetString());
        }
        // Both calls' usage as the provider reported it (20 prompt tokens each).
        Assert.Equal(40, body.GetProperty("metadata").GetProperty("tokens").GetProperty("input").GetInt32());

        // The optimiser saw the input; the analyst saw the type's system prompt and the optimised prompt.
        var requests = factory.Upstreams.ChatRequests.ToArray();
        Assert.Equal(2, requests.Length);
        Assert.Equal("check this contract for risks", Message(requests[0], "user"));
        Assert.Contains("rewrite", Message(requests[0], "system"), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(body.GetProperty("system_prompt").GetString(), Message(requests[1], "system"));
        Assert.Equal("Write a structured risk review of the contract.", Message(requests[1], "user"));
    }

    [Fact]
    public async Task Process_CryptoWithPriceSource_UsesLivePrices()
    {
        var (client, _) = await factory.SignInAsync();
        factory.Upstreams.ChatRequests.Clear();
        using var response = await client.PostAsJsonAsync($"{Base}/process", new { user_input = "Compare BTC and ETH momentum", analysis_type = "crypto" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await factory.ReadJsonAsync(response);

        var result = body.GetProperty("analysis_result").GetString()!;
        Assert.StartsWith("Live prices from 127.0.0.1: bitcoin $97,000.5 USD, ethereum $3,500 USD.", result, StringComparison.Ordinal);
        var crypto = body.GetProperty("metadata").GetProperty("crypto");
        Assert.True(crypto.GetProperty("live_prices").GetBoolean());
        Assert.Equal("127.0.0.1", crypto.GetProperty("price_source").GetString());
        Assert.Equal(2, crypto.GetProperty("prices").GetArrayLength());
        // The model was given the prices to work with.
        Assert.Contains("bitcoin $97,000.5 USD", Message(factory.Upstreams.ChatRequests.Last(), "system"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Process_ProviderFails_502AiServiceErrorNotChargedButLogged()
    {
        var (client, _) = await factory.SignInAsync();
        factory.Upstreams.ThenChat((500, "model overloaded"));

        using var response = await client.PostAsJsonAsync($"{Base}/process", new { user_input = "explain staking", analysis_type = "chat" });
        var error = await factory.ErrorAsync(response, HttpStatusCode.BadGateway, "AI_SERVICE_ERROR");
        Assert.Contains("fakeai", error.GetProperty("message").GetString(), StringComparison.Ordinal);

        var usage = await factory.ReadJsonAsync(await client.GetAsync($"{Base}/me/usage"));
        Assert.Equal(0, usage.GetProperty("queries_used").GetInt32());
        var log = Assert.Single((await factory.ReadJsonAsync(await client.GetAsync($"{Base}/query-logs"))).GetProperty("logs").EnumerateArray());
        Assert.False(log.GetProperty("success").GetBoolean());
        Assert.False(string.IsNullOrEmpty(log.GetProperty("error_message").GetString()));
    }

    [Fact]
    public async Task AnalyzeAsync_ProviderRefuses_JobFailedAndQueryGivenBack()
    {
        var (client, _) = await factory.SignInAsync();
        factory.Upstreams.ThenChat((400, "prompt rejected"));
        using var response = await client.PostAsJsonAsync($"{Base}/analyze-async", new { user_input = "a rejected prompt", analysis_type = "custom" });
        var jobId = (await factory.ReadJsonAsync(response)).GetProperty("job_id").GetString()!;

        var job = await factory.WaitForJobAsync(jobId, owner: client);
        Assert.Equal("failed", job.GetProperty("status").GetString());
        Assert.Contains("400", job.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, job.GetProperty("analysis").ValueKind);

        var jobs = await factory.ReadJsonAsync(await client.GetAsync($"{Base}/jobs"));
        Assert.True(jobs.GetProperty("jobs").GetProperty(jobId).GetProperty("has_error").GetBoolean());
        // The failed job's query is given back right after the job is marked failed.
        await Eventually.UntilAsync(async () => (await factory.ReadJsonAsync(await client.GetAsync($"{Base}/me/usage"))).GetProperty("queries_used").GetInt32() == 0,
            "the failed job's query to be given back", interval: TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task Services_RemoteProvider_NamesProviderModelAndPriceSource()
    {
        using var services = await factory.SendRawAsync(HttpMethod.Get, $"{Base}/services");
        var registered = (await factory.ReadJsonAsync(services)).GetProperty("ai_services").GetProperty("registered_services");
        Assert.Equal("fakeai", registered.GetProperty("analyzer").GetProperty("provider").GetString());
        Assert.Equal(FakeUpstreams.Model, registered.GetProperty("prompt_optimizer").GetProperty("model").GetString());
        Assert.Equal("127.0.0.1", registered.GetProperty("crypto_prices").GetProperty("provider").GetString());

        using var health = await factory.SendRawAsync(HttpMethod.Get, $"{Base}/services/health");
        var body = await factory.ReadJsonAsync(health);
        Assert.True(body.GetProperty("overall_healthy").GetBoolean());
        var engine = body.GetProperty("service_details").GetProperty("ai_engine");
        Assert.Equal("fakeai", engine.GetProperty("provider").GetString());
        Assert.True(engine.GetProperty("remote").GetBoolean());
        Assert.True(body.GetProperty("service_details").GetProperty("crypto_prices").GetProperty("configured").GetBoolean());
    }

    private static string? Message(JsonElement request, string role) =>
        request.GetProperty("messages").EnumerateArray().Last(m => m.GetProperty("role").GetString() == role).GetProperty("content").GetString();
}

/// <summary>A provider slower than an async analysis may take, with a 2-attempt budget.</summary>
public sealed class SlowEngineFactory : StandInEngineFactory
{
    public SlowEngineFactory()
        // An attempt of 3 s: under a loaded CI machine (both database halves side by side) the remote
        // client's call once took more than 1.5 s to reach the stand-in, and each attempt must reach
        // it to be counted.
        : base(new FakeUpstreams { ChatDelay = TimeSpan.FromSeconds(20) })
    {
        WithSetting("Mindstack:PluginMind:AnalysisTimeout", "00:00:03");
        WithSetting("Mindstack:PluginMind:AnalysisAttempts", "2");
    }
}

public sealed class SlowEngineTests(SlowEngineFactory factory) : IClassFixture<SlowEngineFactory>
{
    [Fact]
    public async Task AnalyzeAsync_ProviderSlowerThanTheAttempt_RetriedThenFailedNeverLeftProcessing()
    {
        var (client, _) = await factory.SignInAsync();
        using var response = await client.PostAsJsonAsync($"{PluginMindFactory.Base}/analyze-async",
            new { user_input = "Summarize: the launch slipped a week.", analysis_type = "document" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var jobId = (await factory.ReadJsonAsync(response)).GetProperty("job_id").GetString()!;

        // Two attempts (the second after the queue's backoff, capped in tests), each stopped at its own deadline.
        var job = await factory.WaitForJobAsync(jobId, TimeSpan.FromSeconds(60), client);
        Assert.Equal("failed", job.GetProperty("status").GetString());
        Assert.Contains("did not finish within 3 s", job.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.True(factory.Upstreams.ChatRequests.Count >= 2, $"{factory.Upstreams.ChatRequests.Count} provider calls");

        // The reserved query is given back, and the failure is logged once.
        var usage = await factory.ReadJsonAsync(await client.GetAsync($"{PluginMindFactory.Base}/me/usage"));
        Assert.Equal(0, usage.GetProperty("queries_used").GetInt32());
        var logs = await factory.ReadJsonAsync(await client.GetAsync($"{PluginMindFactory.Base}/query-logs"));
        var log = Assert.Single(logs.GetProperty("logs").EnumerateArray());
        Assert.False(log.GetProperty("success").GetBoolean());
    }
}
