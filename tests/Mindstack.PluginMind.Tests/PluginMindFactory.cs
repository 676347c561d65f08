using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Mindstack.PluginMind.Tests;

/// <summary>
/// The server with PluginMind configured for tests: Google sign-in against <see cref="GoogleStandIn"/>
/// (RS256 JWKS on loopback) with the development secret also accepted, a front-end origin for
/// CORS, and rate limits off (the in-process host has no client address to key them by).
/// </summary>
public class PluginMindFactory : MindstackFactory
{
    public const string Base = "/pluginmind";
    public const string FrontEnd = "http://localhost:3000";

    public PluginMindFactory()
        : this(null)
    {
    }

    /// <summary>A node on a database the caller shares with other nodes (and disposes), or a fresh one (null).</summary>
    protected PluginMindFactory(TestDatabase? sharedDatabase)
        : base(sharedDatabase)
    {
        Google = new GoogleStandIn();
        WithSetting("Mindstack:PluginMind:Google:ClientId", GoogleStandIn.ClientId);
        WithSetting("Mindstack:PluginMind:Google:JwksUrl", Google.JwksUrl);
        WithSetting("Mindstack:PluginMind:Google:DevSecret", GoogleStandIn.DevSecret);
        WithSetting("Mindstack:PluginMind:AllowedOrigins:0", FrontEnd);
        WithSetting("Mindstack:PluginMind:AdminEmails:0", "admin@example.test");
        WithSetting("Mindstack:Limits:RateLimitsEnabled", "false");
        // Failed jobs retry at once: tests wait for outcomes, not for production backoffs.
        WithSetting("Mindstack:Jobs:MaxRetryDelay", "00:00:00.200");
    }

    public GoogleStandIn Google { get; }

    /// <summary>When the ID tokens <see cref="SignInAsync"/> sends expire (null: an hour from now); a factory with a moved clock moves it too.</summary>
    protected virtual DateTime? TokenExpiry => null;

    /// <summary>A client that keeps cookies, as a browser does.</summary>
    public HttpClient Browser() => CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = true });

    /// <summary>Signs a new Google user in with an RS256 token; the client then holds <c>pm_session</c>.</summary>
    public async Task<(HttpClient Client, JsonElement User)> SignInAsync(string? email = null, string? subject = null)
    {
        email ??= $"user-{Guid.NewGuid():N}@example.test";
        subject ??= "g-" + Guid.NewGuid().ToString("N")[..16];
        var client = Browser();
        var response = await client.PostAsJsonAsync($"{Base}/auth/google", new { id_token = Google.IdToken(subject, email, expires: TokenExpiry) });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await ReadJsonAsync(response);
        return (client, body.GetProperty("user"));
    }

    /// <summary>The error envelope's code, after checking the status.</summary>
    public async Task<JsonElement> ErrorAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        var error = (await ReadJsonAsync(response)).GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("correlation_id").GetString()));
        return error;
    }

    /// <summary>
    /// Polls a job until it is completed or failed (a generous deadline: the machine is busy), as
    /// <paramref name="owner"/> (a signed-in user's job is readable only with their session) or
    /// without a session (an anonymous job).
    /// </summary>
    public async Task<JsonElement> WaitForJobAsync(string jobId, TimeSpan? deadline = null, HttpClient? owner = null)
    {
        using var anonymous = owner is null ? CreateClient() : null;
        var client = owner ?? anonymous!;
        return await Eventually.UntilAsync(async () =>
            {
                using var response = await client.GetAsync($"{Base}/analyze-async/{jobId}");
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                return await ReadJsonAsync(response);
            },
            job => job.GetProperty("status").GetString() is "completed" or "failed",
            $"job {jobId} to finish", deadline ?? TimeSpan.FromSeconds(90), TimeSpan.FromMilliseconds(200));
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Google.Dispose();
        }
    }
}
