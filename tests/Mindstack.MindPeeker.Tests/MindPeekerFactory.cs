using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.Platform.Access;
using Mindstack.Platform.Accounts;

namespace Mindstack.MindPeeker.Tests;

/// <summary>A signed-up MindPeeker user as a client holds it.</summary>
public sealed record PeekerUser(string Id, string Email, string Token, string RefreshToken);

/// <summary>
/// The server with rate limits off (the limit test uses <see cref="LimitedMindPeekerFactory"/>), and
/// MindPeeker intent methods. Sessions here wait an hour before they start, so tests of pending
/// sessions see them pending; <see cref="RunningMindPeekerFactory"/> runs them.
/// </summary>
public class MindPeekerFactory : MindstackFactory
{
    public const string Base = "/mindpeeker/v1";

    public MindPeekerFactory()
        : this(null)
    {
    }

    /// <summary>A node on a database other nodes share (null: a fresh one of its own).</summary>
    protected MindPeekerFactory(TestDatabase? sharedDatabase)
        : base(sharedDatabase)
    {
        WithSetting("Mindstack:Limits:RateLimitsEnabled", "false");
        WithSetting("Mindstack:MindPeeker:StartDelayMilliseconds", "3600000");
        // Failed jobs retry at once: tests wait for outcomes, not for production backoffs.
        WithSetting("Mindstack:Jobs:MaxRetryDelay", "00:00:00.200");
    }

    /// <summary>Signs up on the basic tier; a paid <paramref name="tier"/> is then set as an operator sets it (<c>accounts set-tier</c>).</summary>
    public async Task<PeekerUser> RegisterUserAsync(string tier = "basic")
    {
        var name = "u" + Guid.NewGuid().ToString("N")[..12];
        var response = await SendAsync(HttpMethod.Post, "/auth/register", null,
            new { email = name + "@example.com", username = name, password = "securePassword123", tier = "basic", marketing_consent = true });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var data = (await ReadJsonAsync(response)).GetProperty("data");
        if (tier != "basic")
        {
            await using var scope = Services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<IAccountService>().SetTierAsync(data.GetProperty("user").GetProperty("id").GetString()!, tier);
        }
        return new PeekerUser(data.GetProperty("user").GetProperty("id").GetString()!, name + "@example.com",
            data.GetProperty("token").GetString()!, data.GetProperty("refresh_token").GetString()!);
    }

    public async Task<JsonElement> CreateSessionAsync(PeekerUser user, string type = "remote_viewing", string cue = "Describe the location of the missing aircraft in the Pacific Ocean")
    {
        var response = await SendAsync(HttpMethod.Post, "/sessions", user.Token, new
        {
            cue,
            session_type = type,
            parameters = new { duration = 1800, confidence_threshold = 0.7, analysis_types = new[] { "visual", "spatial", "temporal" }, priority = "normal" },
            metadata = new { case_id = "CASE_12345", tags = new[] { "aviation", "search" } },
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await ReadJsonAsync(response)).GetProperty("data");
    }

    public async Task<long> CreditsAsync(PeekerUser user)
    {
        var me = await ReadJsonAsync(await SendAsync(HttpMethod.Get, "/users/me", user.Token));
        return me.GetProperty("data").GetProperty("credits").GetInt64();
    }

    /// <summary>Makes the user an admin, as an operator would with the CLI.</summary>
    public async Task MakeAdminAsync(PeekerUser user)
    {
        await using var scope = Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IAccountService>().SetRoleAsync(user.Id, AccountRoles.Admin);
    }

    /// <summary>An <c>mpk_</c> key for the user, as <c>keys create --api mindpeeker</c> makes one.</summary>
    public async Task<string> CreateApiKeyAsync(PeekerUser user)
    {
        await using var scope = Services.CreateAsyncScope();
        var created = await scope.ServiceProvider.GetRequiredService<IApiKeyService>()
            .CreateAsync(new NewApiKey(user.Id, MindPeekerApi.KeyFormat, "test") { Permissions = ["read", "write"] });
        return created.PlainKey;
    }

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? token, object? body = null,
        Action<HttpRequestHeaders>? headers = null) =>
        SendRawAsync(method, Base + path, body is null ? null : JsonSerializer.Serialize(body), h =>
        {
            if (token is not null)
            {
                h.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }
            headers?.Invoke(h);
        });

    /// <summary>Polls the session (generously) until it reaches a final status; returns its details.</summary>
    public Task<JsonElement> WaitForFinishAsync(PeekerUser user, string sessionId) =>
        Eventually.UntilAsync(async () => (await ReadJsonAsync(await SendAsync(HttpMethod.Get, $"/sessions/{sessionId}", user.Token))).GetProperty("data"),
            detail => detail.GetProperty("status").GetString() is "completed" or "failed" or "cancelled",
            $"session {sessionId} to finish", TimeSpan.FromSeconds(90), TimeSpan.FromMilliseconds(200));

    public async Task<JsonElement> BillingAsync(PeekerUser user) =>
        (await ReadJsonAsync(await SendAsync(HttpMethod.Get, "/billing", user.Token))).GetProperty("data");

    public static async Task<JsonElement> AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(status == response.StatusCode, $"expected {status}, got {response.StatusCode}: {body}");
        Assert.False(body.GetProperty("success").GetBoolean());
        Assert.Equal(code, body.GetProperty("error").GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("error").GetProperty("request_id").GetString()));
        return body;
    }
}

/// <summary>Rate limits on, as deployed.</summary>
public sealed class LimitedMindPeekerFactory : MindPeekerFactory
{
    public LimitedMindPeekerFactory() => WithSetting("Mindstack:Limits:RateLimitsEnabled", "true");
}

/// <summary>
/// Sessions run (after a short start grace, so a socket opened right after creating one sees every
/// stage) on a real Kestrel port, so real WebSocket clients can connect to the returned
/// <c>websocket_url</c>; webhooks may target loopback.
/// </summary>
public sealed class RunningMindPeekerFactory : MindPeekerFactory
{
    public RunningMindPeekerFactory()
    {
        UseKestrel(0);
        WithSetting("urls", "http://127.0.0.1:0");
        WithSetting("Mindstack:MindPeeker:StartDelayMilliseconds", "1500");
        WithSetting("Mindstack:Webhooks:AllowPrivateTargets", "true");
    }
}

/// <summary>
/// The AI engine configured against a remote model that fails (a loopback server answering 500 to
/// <c>/v1/…</c>), so sessions fail; the same server receives webhooks on other paths.
/// </summary>
public sealed class FailingAiMindPeekerFactory : MindPeekerFactory
{
    public FailingAiMindPeekerFactory()
    {
        Receiver = new LoopbackReceiver(r => Task.FromResult(r.Path.StartsWith("/v1/", StringComparison.Ordinal)
            ? (500, "{\"error\":{\"message\":\"model crashed\"}}")
            : (200, "{}")));
        WithSetting("Mindstack:MindPeeker:StartDelayMilliseconds", "0");
        WithSetting("Mindstack:Webhooks:AllowPrivateTargets", "true");
        WithSetting("Mindstack:Ai:Provider", "openai");
        WithSetting("Mindstack:Ai:BaseUrl", Receiver.Url("/v1"));
        WithSetting("Mindstack:Ai:Model", "test-model");
        WithSetting("Mindstack:Ai:MaxRetries", "0");
    }

    public LoopbackReceiver Receiver { get; }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Receiver.DisposeAsync();
    }
}
