using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Mindstack.MindMesh.Connectors;
using Mindstack.Platform.Jobs;

namespace Mindstack.MindMesh.Tests;

/// <summary>
/// Gmail, Google Calendar and Slack as one stand-in on loopback: a token endpoint and each API's
/// read routes with fixed content. Codes are <c>code-&lt;tag&gt;</c>; a tag's API accepts only its
/// latest access token, so <see cref="Revoke"/> makes the next call a 401 until a refresh.
/// </summary>
public sealed class ProviderStandIn : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, string?> _valid = new();
    private readonly ConcurrentDictionary<string, int> _generation = new();

    public ProviderStandIn()
    {
        Receiver = LoopbackReceiver.StartAsync().GetAwaiter().GetResult();
        Receiver.Respond = RespondAsync;
    }

    public LoopbackReceiver Receiver { get; }

    /// <summary>Every API call (not the token endpoint) as path and query, with its tag.</summary>
    public ConcurrentQueue<(string Tag, string Call)> Calls { get; } = new();

    /// <summary>Tags whose API calls answer 500.</summary>
    public ConcurrentDictionary<string, bool> Failing { get; } = new();

    /// <summary>Tags whose next API call answers 429 with Retry-After: 1.</summary>
    public ConcurrentDictionary<string, bool> ThrottleOnce { get; } = new();

    public string Url(string path) => Receiver.Url(path);

    /// <summary>The tag's current access token stops working (the provider revoked it).</summary>
    public void Revoke(string tag) => _valid[tag] = null;

    public IEnumerable<string> CallsOf(string tag) => Calls.Where(c => c.Tag == tag).Select(c => c.Call);

    private async Task RespondAsync(HttpContext context, ReceivedRequest request)
    {
        var (status, body) = context.Request.Path == "/token" ? Token(request) : Api(context);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body, context.RequestAborted);
    }

    private (int, string) Token(ReceivedRequest request)
    {
        var form = request.Text.Split('&').Select(p => p.Split('=')).ToDictionary(p => Uri.UnescapeDataString(p[0]), p => Uri.UnescapeDataString(p.Length > 1 ? p[1] : ""));
        if (form.GetValueOrDefault("client_secret") != "s3cret")
        {
            return (401, """{"error":"invalid_client"}""");
        }
        var tag = form.GetValueOrDefault("grant_type") switch
        {
            "authorization_code" when form.GetValueOrDefault("code") is { } code && code.StartsWith("code-", StringComparison.Ordinal) => code[5..],
            "refresh_token" when form.GetValueOrDefault("refresh_token") is { } refresh && refresh.StartsWith("rt-", StringComparison.Ordinal) => refresh[3..],
            _ => null,
        };
        if (tag is null)
        {
            return (400, """{"error":"invalid_grant"}""");
        }
        var access = $"at-{tag}-{_generation.AddOrUpdate(tag, 1, (_, n) => n + 1)}";
        _valid[tag] = access;
        return (200, JsonSerializer.Serialize(new { access_token = access, refresh_token = "rt-" + tag, expires_in = 3600, token_type = "Bearer" }));
    }

    private (int, string) Api(HttpContext context)
    {
        var bearer = context.Request.Headers.Authorization.ToString();
        var token = bearer.StartsWith("Bearer at-", StringComparison.Ordinal) ? bearer[7..] : "";
        var tag = token.Length > 3 ? token[3..token.LastIndexOf('-')] : "";
        Calls.Enqueue((tag, context.Request.Path + context.Request.QueryString));
        var slack = context.Request.Path.StartsWithSegments("/api");
        if (tag.Length == 0 || _valid.GetValueOrDefault(tag) != token)
        {
            // Slack says so in a 200; Google with a 401.
            return slack ? (200, """{"ok":false,"error":"invalid_auth"}""") : (401, """{"error":{"code":401,"message":"Invalid Credentials"}}""");
        }
        if (Failing.ContainsKey(tag))
        {
            return (500, """{"error":{"code":500,"message":"Backend Error"}}""");
        }
        if (ThrottleOnce.TryRemove(tag, out _))
        {
            context.Response.Headers.RetryAfter = "1";
            return (429, """{"error":{"code":429,"message":"Rate Limit Exceeded"}}""");
        }
        return context.Request.Path.Value switch
        {
            "/gmail/v1/users/me/messages" => (200, """{"messages":[{"id":"m1","threadId":"t1"},{"id":"m2","threadId":"t2"}],"resultSizeEstimate":2}"""),
            "/gmail/v1/users/me/messages/m1" => (200, Message("m1", "Budget review", "Alice <alice@example.com>", multipart: true,
                "The quarterly budget review moves to Thursday afternoon.")),
            "/gmail/v1/users/me/messages/m2" => (200, Message("m2", "Lunch", "Bob <bob@example.com>", multipart: false, "Shall we try the new noodle bar?")),
            "/calendar/v3/calendars/primary/events" => (200, """
                {"items":[
                  {"id":"ev1","status":"confirmed","summary":"Design sync with the robotics team","description":"Agenda: gripper prototypes.",
                   "start":{"dateTime":"2026-12-08T10:00:00Z"},"end":{"dateTime":"2026-12-08T11:00:00Z"},
                   "attendees":[{"email":"carol@example.com","displayName":"Carol"}],"organizer":{"email":"dave@example.com"}},
                  {"id":"ev2","status":"cancelled"}]}
                """),
            "/api/conversations.list" => (200, """{"ok":true,"channels":[{"id":"C1","name":"general","is_member":true},{"id":"C2","name":"random","is_member":false}],"response_metadata":{"next_cursor":""}}"""),
            "/api/conversations.history" when context.Request.Query["channel"] == "C1" => (200, """
                {"ok":true,"messages":[{"type":"message","user":"U1","text":"The deploy of the payments service is finished","ts":"1765000000.000100"},
                  {"type":"message","subtype":"channel_join","user":"U2","text":"","ts":"1765000001.000100"}],"has_more":false}
                """),
            "/api/conversations.history" => (200, """{"ok":false,"error":"not_in_channel"}"""),
            _ => (404, """{"error":{"code":404,"message":"Not Found"}}"""),
        };
    }

    private static string Message(string id, string subject, string from, bool multipart, string text)
    {
        var data = Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        object body = multipart
            ? new
            {
                mimeType = "multipart/alternative",
                headers = new[] { new { name = "Subject", value = subject }, new { name = "From", value = from }, new { name = "Date", value = "Mon, 7 Dec 2026 09:00:00 +0000" } },
                body = new { size = 0 },
                parts = new object[]
                {
                    new { mimeType = "text/html", body = new { data = "PGI-aHRtbDwvYj4" } },
                    new { mimeType = "text/plain", body = new { size = text.Length, data } },
                },
            }
            : new
            {
                mimeType = "text/plain",
                headers = new[] { new { name = "Subject", value = subject }, new { name = "From", value = from } },
                body = new { size = text.Length, data },
            };
        return JsonSerializer.Serialize(new { id, threadId = "t-" + id, labelIds = new[] { "INBOX" }, snippet = text[..10], payload = body });
    }

    public ValueTask DisposeAsync() => Receiver.DisposeAsync();
}

/// <summary>MindMesh with Gmail, Calendar and Slack configured against <see cref="ProviderStandIn"/>.</summary>
public sealed class ProvidersMindMeshFactory : MindMeshFactory
{
    public ProvidersMindMeshFactory()
    {
        StandIn = new ProviderStandIn();
        foreach (var provider in new[] { "gmail", "calendar", "slack" })
        {
            WithSetting($"Mindstack:MindMesh:Providers:{provider}:ClientId", "client-1");
            WithSetting($"Mindstack:MindMesh:Providers:{provider}:ClientSecret", "s3cret");
            WithSetting($"Mindstack:MindMesh:Providers:{provider}:TokenUrl", StandIn.Url("/token"));
            WithSetting($"Mindstack:MindMesh:Providers:{provider}:ApiBaseUrl", StandIn.Url("/"));
        }
    }

    public ProviderStandIn StandIn { get; }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            StandIn.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}

public sealed class ProviderSyncTests(ProvidersMindMeshFactory factory) : IClassFixture<ProvidersMindMeshFactory>
{
    private ProviderStandIn StandIn => factory.StandIn;

    [Fact]
    public async Task Sync_ConfiguredProviders_ContentSearchableAndSecondSyncAddsNothing()
    {
        var user = await factory.RegisterAsync();
        var tag = Guid.NewGuid().ToString("N")[..8];
        var ids = new Dictionary<string, string>();
        foreach (var provider in new[] { "gmail", "calendar", "slack" })
        {
            ids[provider] = await ConnectAsync(user, provider, tag + provider);
            await SyncAsync(user, ids[provider], "active");
        }

        var mail = await SearchAsync(user, "quarterly budget");
        Assert.Equal("gmail://message/m1", mail.GetProperty("source_uri").GetString());
        Assert.Equal("gmail", mail.GetProperty("app").GetString());
        Assert.Equal("Budget review", mail.GetProperty("title").GetString());
        var meeting = await SearchAsync(user, "robotics gripper");
        Assert.Equal("calendar://event/ev1", meeting.GetProperty("source_uri").GetString());
        var slack = await SearchAsync(user, "payments deploy");
        Assert.Equal("slack://C1/1765000000.000100", slack.GetProperty("source_uri").GetString());
        var documents = await user.GetJsonAsync("/memory/documents?size=100");
        // Two emails, one live event (the cancelled one skipped), one Slack message (not the empty join).
        Assert.Equal(4, documents.GetProperty("total").GetInt32());
        Assert.DoesNotContain(StandIn.CallsOf(tag + "slack"), c => c.Contains("channel=C2", StringComparison.Ordinal));

        foreach (var provider in ids.Keys)
        {
            await SyncAsync(user, ids[provider], "active");
        }
        // The second sync asks only for what changed since the first, and the same items change nothing.
        Assert.Contains(StandIn.CallsOf(tag + "gmail"), c => c.Contains("q=after%3A", StringComparison.Ordinal));
        Assert.Contains(StandIn.CallsOf(tag + "calendar"), c => c.Contains("updatedMin=", StringComparison.Ordinal));
        Assert.Contains(StandIn.CallsOf(tag + "slack"), c => c.Contains("oldest=", StringComparison.Ordinal));
        Assert.Equal(4, (await user.GetJsonAsync("/memory/documents?size=100")).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Sync_RevokedToken_RefreshedAndRetried()
    {
        var user = await factory.RegisterAsync();
        var tag = Guid.NewGuid().ToString("N")[..8];
        var id = await ConnectAsync(user, "gmail", tag);
        StandIn.Revoke(tag);

        await SyncAsync(user, id, "active");
        Assert.Single(StandIn.Receiver.On("/token"), r => r.Text.Contains("grant_type=refresh_token", StringComparison.Ordinal)
            && r.Text.Contains("refresh_token=rt-" + tag, StringComparison.Ordinal));
        Assert.Equal("gmail://message/m1", (await SearchAsync(user, "quarterly budget")).GetProperty("source_uri").GetString());
    }

    [Fact]
    public async Task Sync_ProviderFails_StatusErrorWithProviderMessage()
    {
        var user = await factory.RegisterAsync();
        var tag = Guid.NewGuid().ToString("N")[..8];
        var id = await ConnectAsync(user, "calendar", tag);
        StandIn.Failing[tag] = true;

        var connector = await SyncAsync(user, id, "error");
        var error = connector.GetProperty("last_error").GetString()!;
        Assert.Contains("500", error, StringComparison.Ordinal);
        Assert.Contains("Backend Error", error, StringComparison.Ordinal);
        Assert.Equal(0, (await user.GetJsonAsync("/memory/documents")).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Sync_ProviderRateLimits_RetriedAfterRetryAfter()
    {
        var user = await factory.RegisterAsync();
        var tag = Guid.NewGuid().ToString("N")[..8];
        var id = await ConnectAsync(user, "slack", tag);
        StandIn.ThrottleOnce[tag] = true;

        await SyncAsync(user, id, "active");
        Assert.Equal(2, StandIn.CallsOf(tag).Count(c => c.StartsWith("/api/conversations.list", StringComparison.Ordinal)));
        Assert.Equal("slack://C1/1765000000.000100", (await SearchAsync(user, "payments deploy")).GetProperty("source_uri").GetString());
    }

    [Fact]
    public async Task SyncFrequency_Passed_ScheduledSyncBringsContent()
    {
        var user = await factory.RegisterAsync();
        var id = await ConnectAsync(user, "calendar", Guid.NewGuid().ToString("N")[..8]);
        using var put = await user.SendAsync(HttpMethod.Put, $"/connectors/{id}", new { sync_frequency = 1 });
        await MeshClient.Expect(put, HttpStatusCode.OK);
        await Task.Delay(1100);

        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var schedules = await scope.ServiceProvider.GetRequiredService<IJobSchedules>().ListAsync();
            Assert.Contains(schedules, s => s.Name == ConnectorsDueJob.Name && s.Cron == "* * * * *");
            // The minute's check, run now rather than waited for.
            await ActivatorUtilities.CreateInstance<ConnectorsDueJob>(scope.ServiceProvider)
                .ExecuteAsync(new JobContext("job_test", ConnectorsDueJob.Name, "{}", 1, 1, "test"), CancellationToken.None);
        }
        await Eventually.UntilAsync(() => user.GetJsonAsync("/connectors"), l => Connector(l, id) is var c
            && c.GetProperty("status").GetString() == "active" && c.GetProperty("last_sync").ValueKind == JsonValueKind.String, "the scheduled sync");
        Assert.Equal("calendar://event/ev1", (await SearchAsync(user, "robotics")).GetProperty("source_uri").GetString());
    }

    private static async Task<string> ConnectAsync(MeshClient user, string provider, string tag)
    {
        var done = await user.PostJsonAsync($"/connectors/{provider}/oauth/callback", new { code = "code-" + tag, state = "csrf" });
        return done.GetProperty("connector_id").GetString()!;
    }

    /// <summary>Starts a sync and waits for it to end (a last_sync newer than before, or the status it should end in).</summary>
    private static async Task<JsonElement> SyncAsync(MeshClient user, string id, string status)
    {
        var before = Connector(await user.GetJsonAsync("/connectors"), id).GetProperty("last_sync").ToString();
        await user.PostJsonAsync($"/connectors/{id}/sync", new { });
        var list = await Eventually.UntilAsync(() => user.GetJsonAsync("/connectors"), l =>
        {
            var c = Connector(l, id);
            return c.GetProperty("status").GetString() == status && (status != "active" || c.GetProperty("last_sync").ToString() != before);
        }, $"the sync to end {status}");
        return Connector(list, id);
    }

    private static JsonElement Connector(JsonElement list, string id) =>
        list.GetProperty("items").EnumerateArray().Single(c => c.GetProperty("id").GetString() == id);

    private static async Task<JsonElement> SearchAsync(MeshClient user, string q)
    {
        var found = await user.GetJsonAsync("/memory/search?q=" + Uri.EscapeDataString(q));
        Assert.True(found.GetProperty("total").GetInt32() > 0, $"nothing found for '{q}'");
        return found.GetProperty("results")[0].GetProperty("item");
    }
}
