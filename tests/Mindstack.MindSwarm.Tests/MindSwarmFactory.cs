using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Mindstack.MindSwarm.Tests;

/// <summary>
/// The server with MindSwarm at <c>/mindswarm</c> on a clock the tests move, with intent methods
/// that do what a client does: solve the challenge, register, verify the email from the outbox,
/// sign in.
/// </summary>
public class MindSwarmFactory : MindstackFactory
{
    public MindSwarmFactory()
    {
        WithServices(s => s.AddSingleton<TimeProvider>(Clock));
        WithSetting("Mindstack:Jobs:PollInterval", "00:00:00.100");
        WithSetting("Mindstack:Jobs:MaxRetryDelay", "00:00:00.200");
        // Tests register many accounts from one address; the limits have a test class of their own.
        WithSetting("Mindstack:Limits:RateLimitsEnabled", "false");
        // Web Push tests push to an http endpoint on loopback.
        WithSetting("Mindstack:MindSwarm:Push:AllowHttpEndpoints", "true");
        // ... through the SSRF guard, which refuses loopback unless told otherwise.
        WithSetting("Mindstack:Webhooks:AllowPrivateTargets", "true");
    }

    public ShiftingClock Clock { get; } = new();

    public string Outbox => Path.Combine(Database.DataDirectory, "outbox");

    public SwarmClient Anonymous() => new(this, null);

    /// <summary>How many domain events of a type the module wrote for an aggregate (the outbox, read as notifications will read it).</summary>
    public async Task<int> EventCount(string type, string aggregateId)
    {
        using var scope = Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<Mindstack.Platform.Storage.MindstackDbContext>();
        return await db.Database.SqlQuery<int>($"SELECT COUNT(*) AS \"Value\" FROM events_outbox WHERE type = {type} AND aggregate_id = {aggregateId}").SingleAsync();
    }

    /// <summary>Challenge, register and verify the email; a signed-in client.</summary>
    public async Task<SwarmClient> RegisterAsync(string? username = null, bool verify = true, string password = "BotPass1234!")
    {
        username ??= "u" + Guid.NewGuid().ToString("N")[..10];
        var email = username + "@example.com";
        var anonymous = Anonymous();
        var challenge = await anonymous.GetDataAsync("/api/auth/challenge");
        var registered = await anonymous.PostDataAsync("/api/auth/register", new
        {
            email,
            username,
            password,
            challengeToken = challenge.GetProperty("token").GetString(),
            challengeAnswer = Solve(challenge.GetProperty("question").GetString()!),
        }, HttpStatusCode.Created);
        var client = new SwarmClient(this, registered.GetProperty("accessToken").GetString())
        {
            Username = username,
            Email = email,
            Password = password,
            UserId = registered.GetProperty("user").GetProperty("_id").GetString()!,
            RefreshToken = registered.GetProperty("refreshToken").GetString(),
        };
        if (verify)
        {
            var token = TokenFromEmail(await ReadEmailToAsync(email));
            await anonymous.GetDataAsync("/api/auth/verify-email?token=" + token);
        }
        return client;
    }

    /// <summary>The answer to a challenge question ("What is 3 + 4?", "9 - 2", "3 times 5").</summary>
    public static string Solve(string question)
    {
        var match = Regex.Match(question, @"(\d+)\s*(\+|-|times)\s*(\d+)");
        Assert.True(match.Success, "unexpected question: " + question);
        var a = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var b = int.Parse(match.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture);
        return (match.Groups[2].Value switch { "+" => a + b, "-" => a - b, _ => a * b }).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<string> ReadEmailToAsync(string address, int count = 1)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var files = Directory.Exists(Outbox) ? Directory.GetFiles(Outbox, "*.eml") : [];
            var matches = files
                .Select(f => (File: f, Text: File.ReadAllText(f)))
                .Where(f => f.Text.Contains($"To: {address}\r\n", StringComparison.OrdinalIgnoreCase))
                .OrderByDescending(f => Path.GetFileName(f.File), StringComparer.Ordinal)
                .ToList();
            if (matches.Count >= count)
            {
                return matches[0].Text;
            }
            Assert.True(DateTime.UtcNow < deadline, $"{matches.Count} of {count} emails to {address} after 30 s");
            await Task.Delay(50);
        }
    }

    public static string TokenFromEmail(string email)
    {
        var match = Regex.Match(email, @"[?&]token=([A-Za-z0-9_\-%]+)");
        Assert.True(match.Success, "no token link in the email:\n" + email);
        return Uri.UnescapeDataString(match.Groups[1].Value);
    }
}

/// <summary>An HTTP client of MindSwarm holding a bearer token or an app key (or nothing).</summary>
public sealed class SwarmClient(MindSwarmFactory factory, string? accessToken, string? apiKey = null)
{
    public string? AccessToken { get; set; } = accessToken;
    public string? ApiKey { get; } = apiKey;
    public string Username { get; init; } = "";
    public string Email { get; init; } = "";
    public string Password { get; init; } = "";
    public string UserId { get; init; } = "";
    public string? RefreshToken { get; set; }

    public SwarmClient WithKey(string key) => new(factory, null, key) { Username = Username, UserId = UserId, Email = Email };

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body = null)
    {
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(method, "/mindswarm" + path);
        if (AccessToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AccessToken);
        }
        if (ApiKey is not null)
        {
            request.Headers.Add("X-API-Key", ApiKey);
        }
        if (body is not null)
        {
            request.Content = new StringContent(body as string ?? JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        }
        return await client.SendAsync(request);
    }

    /// <summary>Expects the status and <c>{success: true, data}</c>; the data.</summary>
    public async Task<JsonElement> DataAsync(HttpMethod method, string path, object? body = null, HttpStatusCode status = HttpStatusCode.OK)
    {
        using var response = await SendAsync(method, path, body);
        var json = await Expect(response, status);
        Assert.True(json.GetProperty("success").GetBoolean());
        return json.GetProperty("data");
    }

    /// <summary>A new access token from the refresh token (after the test moved the clock past its 15 minutes).</summary>
    public async Task RenewAsync()
    {
        var pair = await factory.Anonymous().PostDataAsync("/api/auth/refresh", new { refreshToken = RefreshToken });
        AccessToken = pair.GetProperty("accessToken").GetString();
        RefreshToken = pair.GetProperty("refreshToken").GetString();
    }

    public Task<JsonElement> GetDataAsync(string path) => DataAsync(HttpMethod.Get, path);

    public Task<JsonElement> PostDataAsync(string path, object? body = null, HttpStatusCode status = HttpStatusCode.OK) =>
        DataAsync(HttpMethod.Post, path, body ?? new { }, status);

    public Task<JsonElement> PutDataAsync(string path, object? body = null) => DataAsync(HttpMethod.Put, path, body ?? new { });

    /// <summary>Expects the error shape <c>{success: false, error, code}</c>; the body.</summary>
    public async Task<JsonElement> ErrorAsync(HttpMethod method, string path, object? body, HttpStatusCode status, string? code = null)
    {
        using var response = await SendAsync(method, path, body);
        var json = await Expect(response, status);
        Assert.False(json.GetProperty("success").GetBoolean());
        Assert.False(string.IsNullOrEmpty(json.GetProperty("error").GetString()));
        if (code is not null)
        {
            Assert.Equal(code, json.GetProperty("code").GetString());
        }
        return json;
    }

    /// <summary>Creates a post; its data.</summary>
    public async Task<JsonElement> PostAsync(object body) =>
        (await PostDataAsync("/api/posts", body, HttpStatusCode.Created)).GetProperty("post");

    public static async Task<JsonElement> Expect(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }
}

/// <summary>The same server with the document's rate limits on.</summary>
public sealed class LimitedMindSwarmFactory : MindstackFactory
{
    public LimitedMindSwarmFactory() => WithSetting("Mindstack:Limits:RateLimitsEnabled", "true");
}
