using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Mindstack.Platform.Accounts;
using Xunit.Abstractions;

namespace Mindstack.Hardening.Tests;

/// <summary>
/// For every operation of every served document, who may not get in: no credential, an expired
/// token, another API's credential, another account's objects by id, a non-admin on admin
/// routes. Each gets the documented refusal (401, 403 or 404) and never data. The test writes
/// the table it checked (test output and <c>access-matrix.md</c> beside the test assembly).
/// </summary>
public sealed class AccessMatrixTests(HardeningFactory factory, ITestOutputHelper output) : IClassFixture<HardeningFactory>
{
    /// <summary>Operations a stranger may call: sign-up and sign-in, probes, PluginMind's anonymous processing.</summary>
    private static readonly HashSet<string> Public = new(StringComparer.Ordinal)
    {
        "POST /mindpeeker/v1/auth/register", "POST /mindpeeker/v1/auth/login", "POST /mindpeeker/v1/auth/refresh",
        "GET /mindra/health",
        "GET /pluginmind/live", "GET /pluginmind/ready", "GET /pluginmind", "GET /pluginmind/health", "GET /pluginmind/version",
        "GET /pluginmind/services", "GET /pluginmind/services/health", "POST /pluginmind/auth/google", "POST /pluginmind/auth/logout",
        "GET /pluginmind/auth/validate", "POST /pluginmind/process", "POST /pluginmind/analyze", "POST /pluginmind/analyze-async",
        "GET /mindmesh/health", "POST /mindmesh/auth/register", "POST /mindmesh/auth/login", "POST /mindmesh/auth/refresh",
        // MindSwarm: sign-up and sign-in, and what its document lets anyone read (posts, profiles, the ranked feed).
        "GET /mindswarm/api/auth/challenge", "POST /mindswarm/api/auth/register", "POST /mindswarm/api/auth/login",
        "POST /mindswarm/api/auth/magic-link", "GET /mindswarm/api/auth/magic-link/verify", "POST /mindswarm/api/auth/refresh",
        "POST /mindswarm/api/auth/forgot-password", "POST /mindswarm/api/auth/reset-password", "GET /mindswarm/api/auth/verify-email",
        "GET /mindswarm/api/auth/check-availability", "GET /mindswarm/api/posts/feed", "GET /mindswarm/api/posts/{postId}",
        "GET /mindswarm/api/posts/{postId}/replies", "GET /mindswarm/api/posts/{postId}/history", "GET /mindswarm/api/posts/{postId}/analytics",
        "GET /mindswarm/api/users/{username}", "GET /mindswarm/api/users/{username}/followers", "GET /mindswarm/api/users/{username}/following",
        "GET /mindswarm/api/users/{username}/posts", "GET /mindswarm/api/users/{username}/likes",
        // Uploaded files are public by their unguessable URL, as a CDN serves them.
        "GET /mindswarm/uploads/{file}",
        // The VAPID public key, which a page asks for before subscribing to Web Push.
        "GET /mindswarm/api/notifications/push/vapid-key",
        // Whether AI images are enabled, and the boosted posts, are for anyone; a video download link is its own capability.
        "GET /mindswarm/api/posts/ai-image-access", "GET /mindswarm/api/posts/boosted", "GET /mindswarm/api/posts/video-downloads/{token}",
        // Public groups and lists are readable by anyone; private and secret ones are 403/404 to those outside.
        "GET /mindswarm/api/groups", "GET /mindswarm/api/groups/search", "GET /mindswarm/api/groups/user/{userId}", "GET /mindswarm/api/groups/{slug}",
        "GET /mindswarm/api/groups/{groupId}/members", "GET /mindswarm/api/groups/{groupId}/posts", "GET /mindswarm/api/lists/{listId}",
        "GET /mindswarm/api/lists/{listId}/timeline",
        // Part 3's public reads, as the document has them: tokens and a post's tips, the AI site status and
        // providers, public user and content analytics and anonymous tracking, ads served and their beacons,
        // prices and the service catalogue.
        "GET /mindswarm/api/tips/supported-tokens", "GET /mindswarm/api/tips/post/{postId}", "GET /mindswarm/api/ai/site-status",
        "GET /mindswarm/api/ai/providers", "GET /mindswarm/api/analytics/user/{userId}", "GET /mindswarm/api/analytics/content/{contentId}",
        "POST /mindswarm/api/analytics/track", "GET /mindswarm/api/ads/active", "GET /mindswarm/api/ads/settings",
        "POST /mindswarm/api/ads/{adId}/track", "GET /mindswarm/api/posts/price/feeds", "POST /mindswarm/api/posts/price/compare",
        "GET /mindswarm/api/posts/price/{symbol}", "GET /mindswarm/api/posts/price/{symbol}/info",
        "GET /mindswarm/api/posts/price/{symbol}/history", "GET /mindswarm/api/posts/service/catalog",
        // A banned account cannot sign in, so it appeals with its login and password in the body.
        "POST /mindswarm/api/moderation/appeals",
    };
    /// <summary>
    /// Routes whose id is a capability for anonymous objects: a stranger is told that a signed-in
    /// user's object does not exist (404), whatever credential they bring.
    /// </summary>
    private static readonly HashSet<string> CapabilityRoutes = new(StringComparer.Ordinal)
    {
        "GET /pluginmind/analyze-async/{job_id}",
        // MindMesh's senders prove themselves with the URL's signature or the inbox's secret, not a credential.
        "POST /mindmesh/automations/{automation_id}/webhook", "POST /mindmesh/connectors/{connector_id}/inbox",
    };

    /// <summary>
    /// MindMesh operations that need a permission its <c>user</c> role lacks (approve:actions,
    /// manage:connectors, manage:automations, read:audit): a member of the owner's tenant with that
    /// role is refused 403 <c>Insufficient permissions</c>, on the owner's objects.
    /// </summary>
    private static readonly HashSet<string> MeshPrivileged = new(StringComparer.Ordinal)
    {
        "POST /mindmesh/approvals/{approval_id}",
        "GET /mindmesh/connectors", "POST /mindmesh/connectors/{provider}/oauth/callback", "PUT /mindmesh/connectors/{connector_id}",
        "DELETE /mindmesh/connectors/{connector_id}", "POST /mindmesh/connectors/{connector_id}/sync",
        "GET /mindmesh/automations", "GET /mindmesh/automations/templates", "POST /mindmesh/automations",
        "PUT /mindmesh/automations/{automation_id}", "DELETE /mindmesh/automations/{automation_id}",
        "GET /mindmesh/audit/logs", "GET /mindmesh/audit/{run_id}",
    };

    // The objects are the owner's (a signed-in PluginMind user's job among them, which only its
    // owner may read: the id is the capability of anonymous jobs alone).

    [Fact]
    public async Task EveryOperation_WrongCaller_RefusedNeverData()
    {
        using var client = factory.CreateClient();
        var owner = await factory.NewCallersAsync();
        var stranger = await factory.NewCallersAsync();
        var objects = await MakeObjectsAsync(client, owner);
        var expired = await ExpiredPeekerTokenAsync(owner.PeekerToken);
        var meshMember = await HardeningFactory.RegisterMeshAsync(client, $"member{Guid.NewGuid():N}@example.com", objects["mesh_invite"]);
        var privilegedSeen = new HashSet<string>(StringComparer.Ordinal);

        var table = new StringBuilder("| operation | no credential | expired token | another API's credential | another account's object | a member without the permission |\n|---|---|---|---|---|---|\n");
        var problems = new List<string>();
        foreach (var api in OpenApiWalk.Apis)
        {
            var walk = await OpenApiWalk.LoadAsync(client, api);
            var operations = walk.Operations(api);
            // Each operation's refusals depend on no other's (every request here is refused, or
            // public and harmless): a few in flight at once, the table kept in the document's order.
            var checkedOperations = new (string Row, List<string> Problems)[operations.Count];
            await Parallel.ForEachAsync(Enumerable.Range(0, operations.Count), new ParallelOptions { MaxDegreeOfParallelism = 6 },
                async (i, _) => checkedOperations[i] = await CheckAsync(client, api, operations[i], objects, owner, stranger, expired, meshMember));
            foreach (var (row, operationProblems) in checkedOperations)
            {
                table.Append(row);
                problems.AddRange(operationProblems);
            }
            privilegedSeen.UnionWith(operations.Select(o => o.ToString()).Where(MeshPrivileged.Contains));
        }
        // The list names operations the document serves (a renamed route would otherwise go unchecked).
        problems.AddRange(MeshPrivileged.Except(privilegedSeen).Select(n => $"{n} is not in /openapi/mindmesh.json"));

        // Admin routes refuse a signed-in non-admin.
        foreach (var path in new[] { "/mindpeeker/v1/admin/system/status", "/mindpeeker/v1/admin/analytics/users" })
        {
            var (status, text) = await SendAsync(client, HttpMethod.Get, path, null, stranger.Apply);
            table.Append("| GET ").Append(path).Append(" as a non-admin | ").Append(status).Append(" | | | |\n");
            if (status != 403)
            {
                problems.Add($"GET {path} as a non-admin → {status} {Shorten(text)}");
            }
        }
        // Another user's query logs: refused, not shown.
        var (logsStatus, logsText) = await SendAsync(client, HttpMethod.Get, $"/pluginmind/query-logs?user_id={objects["pluginmind_user"]}", null, stranger.Apply);
        table.Append("| GET /pluginmind/query-logs?user_id=another | ").Append(logsStatus).Append(" | | | |\n");
        if (logsStatus != 403)
        {
            problems.Add($"GET /pluginmind/query-logs of another user → {logsStatus} {Shorten(logsText)}");
        }

        output.WriteLine(table.ToString());
        await File.WriteAllTextAsync(Path.Combine(AppContext.BaseDirectory, "access-matrix.md"), table.ToString());
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    /// <summary>One operation by every wrong caller: its row of the table and what was wrong.</summary>
    private async Task<(string Row, List<string> Problems)> CheckAsync(HttpClient client, string api, Operation operation,
        Dictionary<string, string> objects, Callers owner, Callers stranger, string expired, string meshMember)
    {
        var problems = new List<string>();
        var name = operation.ToString();
        var isPublic = Public.Contains(name);
        var path = Fill(operation.Path, objects);
        var body = operation.BodySchema is null ? null : "{}";
        var cells = new List<string>();

        foreach (var (variant, apply) in new (string, Action<HttpRequestMessage>?)[]
        {
            ("none", null),
            ("expired", r => r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", expired)),
            ("foreign", r => Foreign(r, owner)),
        })
        {
            var (status, text) = await SendAsync(client, operation.Method, path, body, apply, operation.BodyMediaType);
            cells.Add(status.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (!isPublic && !Refused(operation, status, 401))
            {
                problems.Add($"{name} with {variant} credential → {status} {Shorten(text)}");
            }
        }

        if (operation.Parameters.Any(p => p.In == "path") && path != operation.Path)
        {
            var (status, text) = await SendAsync(client, operation.Method, path, body, stranger.Apply, operation.BodyMediaType);
            cells.Add(status.ToString(System.Globalization.CultureInfo.InvariantCulture));
            // MindMesh hides another tenant's objects: 404, never 403.
            if (api == "mindmesh" ? status != 404 : !Refused(operation, status, 403, 404))
            {
                problems.Add($"{name} by another account → {status} {Shorten(text)}");
            }
        }
        else
        {
            cells.Add("–");
        }
        if (MeshPrivileged.Contains(name))
        {
            var (status, text) = await SendAsync(client, operation.Method, path, body,
                r => r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", meshMember));
            cells.Add(status.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (status != 403 || !text.Contains("Insufficient permissions", StringComparison.Ordinal))
            {
                problems.Add($"{name} by a member without the permission → {status} {Shorten(text)}");
            }
        }
        else
        {
            cells.Add("–");
        }
        return ($"| {name}{(isPublic ? " (public)" : "")} | {string.Join(" | ", cells)} |\n", problems);
    }

    /// <summary>A refusal: one of <paramref name="expected"/>, or for the socket route a refusal to upgrade.</summary>
    private static bool Refused(Operation operation, int status, params int[] expected) =>
        expected.Contains(status)
        || (CapabilityRoutes.Contains(operation.ToString()) && status == 404) || ((operation.Path.Contains("/ws/", StringComparison.Ordinal) || operation.Path.EndsWith("/ws", StringComparison.Ordinal))
            && status is 401 or 404 or 426);

    /// <summary>The owner's objects, by the path parameter that names them.</summary>
    private async Task<Dictionary<string, string>> MakeObjectsAsync(HttpClient client, Callers owner)
    {
        var objects = new Dictionary<string, string>(StringComparer.Ordinal);
        var session = await PostAsync(client, owner, "/mindpeeker/v1/sessions",
            """{"cue":"Describe the location of the missing aircraft in the Pacific Ocean","session_type":"remote_viewing"}""");
        objects["session_id"] = session.GetProperty("data").GetProperty("id").GetString()!;
        var webhook = await PostAsync(client, owner, "/mindpeeker/v1/webhooks",
            """{"url":"https://example.com/hook","events":["session.completed"],"secret":"whsec_0123456789abcdef"}""");
        objects["webhook_id"] = webhook.GetProperty("data").GetProperty("id").GetString()!;

        await PostAsync(client, owner, "/mindra/v1/wallet/topup", """{"amount":25,"paymentMethodId":"pm_card_visa"}""");
        var execution = await PostAsync(client, owner, "/mindra/v1/orchestrate", """{"query":"Analyze the sentiment of recent customer reviews"}""");
        objects["execution"] = execution.GetProperty("executionId").GetString()!;
        var key = await PostAsync(client, owner, "/mindra/v1/api-keys", """{"name":"second"}""");
        objects["api_key"] = key.GetProperty("id").GetString()!;

        var job = await PostAsync(client, owner, "/pluginmind/analyze-async",
            """{"input_type":"chat","user_input":"Summarise the benefits of unit testing in two sentences."}""");
        objects["job_id"] = job.GetProperty("job_id").GetString()!;
        using var me = await factory.SendAsync(client, HttpMethod.Get, "/pluginmind/auth/me", owner);
        objects["pluginmind_user"] = (await me.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").ToString();

        // MindMesh: a goal and its run (no workers here: it stays pending), the tenant's outbox
        // connector, an automation, and the invite code a member of the owner's tenant joins with.
        // An approval needs the run to reach guardrails, so approval ids stay unfilled.
        var goal = await PostAsync(client, owner, "/mindmesh/goals",
            """{"text":"Email the team the weekly summary","autonomy_level":"L1","priority":"medium","constraints":{}}""");
        objects["goal_id"] = goal.GetProperty("id").GetString()!;
        var run = await PostAsync(client, owner, $"/mindmesh/goals/{objects["goal_id"]}/start", "{}");
        objects["run_id"] = run.GetProperty("run_id").GetString()!;
        var automation = await PostAsync(client, owner, "/mindmesh/automations",
            """{"name":"Follow-up","trigger":{"type":"calendar","config":{"event_types":["meeting"]}},"workflow":{"template":"meeting_followup","parameters":{"task_priority":"high"}}}""");
        objects["automation_id"] = automation.GetProperty("id").GetString()!;
        using (var connectors = await factory.SendAsync(client, HttpMethod.Get, "/mindmesh/connectors", owner))
        {
            objects["connector_id"] = (await connectors.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items")[0].GetProperty("id").GetString()!;
        }
        using (var meshMe = await factory.SendAsync(client, HttpMethod.Get, "/mindmesh/auth/me", owner))
        {
            objects["mesh_invite"] = (await meshMe.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("tenant").GetProperty("invite_code").GetString()!;
        }
        return objects;
    }

    private async Task<JsonElement> PostAsync(HttpClient client, Callers caller, string path, string body)
    {
        using var response = await factory.SendAsync(client, HttpMethod.Post, path, caller, new StringContent(body, Encoding.UTF8, "application/json"));
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, $"POST {path} → {(int)response.StatusCode} {json}");
        return json;
    }

    private static string Fill(string template, Dictionary<string, string> objects) => template
        .Replace("{session_id}", objects["session_id"], StringComparison.Ordinal)
        .Replace("{webhook_id}", objects["webhook_id"], StringComparison.Ordinal)
        .Replace("{job_id}", objects["job_id"], StringComparison.Ordinal)
        .Replace("/executions/{id}", "/executions/" + objects["execution"], StringComparison.Ordinal)
        .Replace("/api-keys/{id}", "/api-keys/" + objects["api_key"], StringComparison.Ordinal)
        .Replace("{goal_id}", objects["goal_id"], StringComparison.Ordinal)
        .Replace("{run_id}", objects["run_id"], StringComparison.Ordinal)
        .Replace("{automation_id}", objects["automation_id"], StringComparison.Ordinal)
        .Replace("{connector_id}", objects["connector_id"], StringComparison.Ordinal);

    /// <summary>A credential that is valid, but for another API than the path's.</summary>
    private static void Foreign(HttpRequestMessage request, Callers caller)
    {
        var path = request.RequestUri!.OriginalString;
        if (path.StartsWith("/mindpeeker", StringComparison.Ordinal))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", caller.MindraKey);
            request.Headers.Add("Cookie", caller.PluginMindCookie);
        }
        else
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", caller.PeekerToken);
            if (!path.StartsWith("/pluginmind", StringComparison.Ordinal))
            {
                request.Headers.Add("Cookie", caller.PluginMindCookie);
            }
        }
    }

    /// <summary>The same account and session as <paramref name="token"/>, signed by the server, expired a minute ago.</summary>
    private async Task<string> ExpiredPeekerTokenAsync(string token)
    {
        var jwt = new JsonWebToken(token);
        await using var scope = factory.Services.CreateAsyncScope();
        var issued = await scope.ServiceProvider.GetRequiredService<IAccessTokenService>()
            .IssueAsync(jwt.Subject, jwt.GetClaim("sid").Value, jwt.Audiences.Single(), TimeSpan.FromMinutes(-1));
        return issued.Token;
    }

    private async Task<(int Status, string Text)> SendAsync(HttpClient client, HttpMethod method, string path, string? body,
        Action<HttpRequestMessage>? apply, string mediaType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            // A route that takes files (multipart) is sent a small file, so that what answers is
            // the route's access check rather than a refusal of the media type.
            request.Content = mediaType == "multipart/form-data"
                ? new MultipartFormDataContent { { new ByteArrayContent([0x47, 0x49, 0x46, 0x38]), "media", "a.gif" } }
                : new StringContent(body, Encoding.UTF8, "application/json");
        }
        apply?.Invoke(request);
        using var response = await client.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static string Shorten(string text) => text.Length <= 160 ? text : text[..150] + "…";
}
