using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Mindstack.MindMesh.Tests;

/// <summary>
/// The server with MindMesh mounted at <c>/mindmesh</c>. Rate limits are off (tests register many
/// users from one address) except in <see cref="LimitedMindMeshFactory"/>; failed jobs retry at once.
/// </summary>
public class MindMeshFactory : MindstackFactory
{
    public MindMeshFactory()
    {
        WithSetting("Mindstack:Limits:RateLimitsEnabled", "false");
        WithSetting("Mindstack:Jobs:PollMilliseconds", "100");
        WithSetting("Mindstack:Jobs:MaxRetryDelay", "00:00:00.200");
    }

    /// <summary>Where the platform's outbox sender writes emails (no SMTP configured).</summary>
    public string OutboxFolder => Path.Combine(Database.DataDirectory, "outbox");

    /// <summary>A new user (founding a tenant, or joining one with <paramref name="inviteCode"/>), signed in.</summary>
    public async Task<MeshClient> RegisterAsync(string? inviteCode = null, string? email = null)
    {
        var name = "u" + Guid.NewGuid().ToString("N")[..12];
        email ??= $"{name}@example.com";
        using var client = CreateClient();
        using var response = await client.PostAsync("/mindmesh/auth/register", Json(new
        {
            email,
            username = name,
            password = "Str0ng!Passw0rd",
            full_name = "Test User",
            invite_code = inviteCode,
        }));
        var json = await MeshClient.Expect(response, HttpStatusCode.Created);
        var user = json.GetProperty("user");
        return new MeshClient(this, user.GetProperty("id").GetString()!, user.GetProperty("tenant_id").GetString()!, email,
            json.GetProperty("access_token").GetString()!, json.GetProperty("refresh_token").GetString()!);
    }

    public static StringContent Json(object body) =>
        new(body as string ?? JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
}

/// <summary>The same server with the document's rate limits on.</summary>
public sealed class LimitedMindMeshFactory : MindMeshFactory
{
    public LimitedMindMeshFactory() => WithSetting("Mindstack:Limits:RateLimitsEnabled", "true");
}

/// <summary>Approvals that expire after two seconds.</summary>
public sealed class ShortDeadlineMindMeshFactory : MindMeshFactory
{
    public ShortDeadlineMindMeshFactory() => WithSetting("Mindstack:MindMesh:ApprovalTimeout", "00:00:02");
}

/// <summary>An HTTP client signed in as one MindMesh user.</summary>
public sealed class MeshClient(MindMeshFactory factory, string userId, string tenantId, string email, string token, string refreshToken)
{
    public string UserId { get; } = userId;
    public string TenantId { get; } = tenantId;
    public string Email { get; } = email;
    public string Token { get; } = token;
    public string RefreshToken { get; } = refreshToken;

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body = null, string? bearer = null)
    {
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(method, "/mindmesh" + path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer ?? Token);
        if (body is not null)
        {
            request.Content = MindMeshFactory.Json(body);
        }
        return await client.SendAsync(request);
    }

    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await SendAsync(HttpMethod.Get, path);
        return await Expect(response, HttpStatusCode.OK);
    }

    public async Task<JsonElement> PostJsonAsync(string path, object body, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var response = await SendAsync(HttpMethod.Post, path, body);
        return await Expect(response, expected);
    }

    /// <summary>POST /goals expecting 201; the goal.</summary>
    public Task<JsonElement> CreateGoalAsync(string text, string autonomy = "L3", object? constraints = null, string priority = "medium") =>
        PostJsonAsync("/goals", new { text, autonomy_level = autonomy, constraints = constraints ?? new { }, priority }, HttpStatusCode.Created);

    /// <summary>Creates a goal and starts it; the run id.</summary>
    public async Task<string> StartGoalAsync(string text, string autonomy = "L3", object? constraints = null)
    {
        var goal = await CreateGoalAsync(text, autonomy, constraints);
        var started = await PostJsonAsync($"/goals/{goal.GetProperty("id").GetString()}/start", new { });
        return started.GetProperty("run_id").GetString()!;
    }

    /// <summary>Polls the run until <paramref name="done"/> holds (generous deadline: the machine may be busy).</summary>
    public Task<JsonElement> WaitForRunAsync(string runId, Func<JsonElement, bool> done, string what) =>
        Eventually.UntilAsync(() => GetJsonAsync($"/runs/{runId}"), done, what, TimeSpan.FromSeconds(60));

    public Task<JsonElement> WaitForStatusAsync(string runId, string status) =>
        WaitForRunAsync(runId, r => r.GetProperty("status").GetString() == status, $"run {runId} {status}");

    /// <summary>The run's pending approvals once it waits for them.</summary>
    public async Task<List<JsonElement>> WaitForApprovalsAsync(string runId)
    {
        var run = await WaitForRunAsync(runId, r => r.GetProperty("status").GetString() == "paused" && r.GetProperty("approvals").GetArrayLength() > 0,
            $"run {runId} waiting for approvals");
        return run.GetProperty("approvals").EnumerateArray().Where(a => a.GetProperty("state").GetString() == "pending").ToList();
    }

    /// <summary>A WebSocket on <c>/mindmesh/ws?token=</c>, through the in-process server.</summary>
    public async Task<WebSocket> ConnectAsync()
    {
        var client = factory.Server.CreateWebSocketClient();
        return await client.ConnectAsync(new Uri(factory.Server.BaseAddress, $"/mindmesh/ws?token={Token}"), CancellationToken.None);
    }

    public static async Task<JsonElement> Expect(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>The document's error: <c>{detail}</c> with the status.</summary>
    public static async Task<JsonElement> ExpectDetail(HttpResponseMessage response, HttpStatusCode status, string? detail = null)
    {
        var json = await Expect(response, status);
        var text = json.GetProperty("detail").GetString();
        Assert.False(string.IsNullOrEmpty(text));
        if (detail is not null)
        {
            Assert.Equal(detail, text);
        }
        return json;
    }
}
